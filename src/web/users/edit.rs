//! Changing a person (name, account admin, enabled) and deleting one; never the last enabled account
//! admin.

use crate::web::Path;
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;

use super::{load_user, parse_name, people_event};
use crate::domain::AuditEvent;
use crate::domain::audit::{Person, PersonChange, PersonSettings};
use crate::http::ClientAddr;
use crate::store::{User, UserChangeError};
use crate::web::error::AppError;
use crate::web::{AccountAdmin, Checkbox, CsrfForm, Layout, NoFields, WebState, render, session};

pub(super) fn router() -> Router<WebState> {
    Router::new()
        .route("/users/{id}/edit", get(edit_form).post(edit))
        .route("/users/{id}/delete", get(confirm_delete).post(delete))
}

#[derive(Template)]
#[template(path = "users/edit.html")]
struct EditPage {
    layout: Layout,
    user: User,
    name: String,
    is_admin: bool,
    enabled: bool,
    name_error: Option<&'static str>,
    error: Option<&'static str>,
}

async fn edit_form(
    AccountAdmin(me): AccountAdmin,
    State(state): State<WebState>,
    Path(id): Path<i64>,
) -> Result<Html<String>, AppError> {
    let user = load_user(&state, id).await?;
    render(&EditPage {
        layout: me.layout("users"),
        name: user.display_name.clone(),
        is_admin: user.is_admin,
        enabled: user.enabled,
        user,
        name_error: None,
        error: None,
    })
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct EditForm {
    name: String,
    is_admin: Checkbox,
    enabled: Checkbox,
}

const LAST_ADMIN: &str =
    "This is the last enabled account admin: make someone else an account admin first.";

async fn edit(
    AccountAdmin(me): AccountAdmin,
    State(state): State<WebState>,
    ClientAddr(addr): ClientAddr,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<EditForm>,
) -> Result<Response, AppError> {
    let user = load_user(&state, id).await?;
    let (Checkbox(is_admin), Checkbox(enabled)) = (form.is_admin, form.enabled);
    let refuse = |user: User, name_error, error| -> Result<Response, AppError> {
        let page = EditPage {
            layout: me.layout("users"),
            user,
            name: form.name.clone(),
            is_admin,
            enabled,
            name_error,
            error,
        };
        Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
    };
    let name = match parse_name(&form.name) {
        Ok(n) => n,
        Err(e) => return refuse(user, Some(e), None),
    };
    let change = PersonChange {
        email: user.email.clone(),
        before: user.settings(),
        after: PersonSettings {
            name: name.clone(),
            is_admin,
            enabled,
        },
    };
    let entry = people_event(&me, addr, AuditEvent::UserUpdated(change));
    match state
        .store
        .update_user(user.id, &name, is_admin, enabled, entry)
        .await
    {
        Ok(()) => {}
        Err(UserChangeError::LastAdmin) => return refuse(user, None, Some(LAST_ADMIN)),
        Err(UserChangeError::NotFound) => return Err(AppError::NotFound),
        Err(UserChangeError::Store(e)) => return Err(e.into()),
    }
    session::set_flash(&me.session, format!("Saved the changes to {}.", user.email)).await?;
    // An admin who just gave up being one lands where members may go.
    let to = if user.id == me.user.id && !(is_admin && enabled) {
        "/apps/connected-apps"
    } else {
        "/users"
    };
    Ok(Redirect::to(to).into_response())
}

#[derive(Template)]
#[template(path = "users/delete.html")]
struct DeletePage {
    layout: Layout,
    user: User,
    error: Option<&'static str>,
}

async fn confirm_delete(
    AccountAdmin(me): AccountAdmin,
    State(state): State<WebState>,
    Path(id): Path<i64>,
) -> Result<Html<String>, AppError> {
    let user = load_user(&state, id).await?;
    render(&DeletePage {
        layout: me.layout("users"),
        user,
        error: None,
    })
}

async fn delete(
    AccountAdmin(me): AccountAdmin,
    State(state): State<WebState>,
    ClientAddr(addr): ClientAddr,
    Path(id): Path<i64>,
    _: CsrfForm<NoFields>,
) -> Result<Response, AppError> {
    let user = load_user(&state, id).await?;
    let person = Person {
        email: user.email.clone(),
    };
    let entry = people_event(&me, addr, AuditEvent::UserDeleted(person));
    match state.store.delete_user(user.id, entry).await {
        Ok(()) => {}
        Err(UserChangeError::LastAdmin) => {
            let page = DeletePage {
                layout: me.layout("users"),
                user,
                error: Some(LAST_ADMIN),
            };
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
        }
        Err(UserChangeError::NotFound) => return Err(AppError::NotFound),
        Err(UserChangeError::Store(e)) => return Err(e.into()),
    }
    session::set_flash(&me.session, format!("Deleted {}.", user.email)).await?;
    Ok(Redirect::to("/users").into_response())
}
