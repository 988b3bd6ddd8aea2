//! The Users pages (account admins): who can sign in, invitations, edits, password-reset links.

use crate::web::Path;
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::apps::Moment;
use super::{AccountAdmin, Checkbox, CurrentUser, Form, Layout, render, session};
use crate::domain::audit::{Invitation, Person, PersonChange, PersonSettings};
use crate::domain::{AuditEvent, LinkKind, parse_email, random_token, token_hash};
use crate::http::ClientAddr;
use crate::store::{AuditEntry, NewUserLink, User, UserChangeError};
use crate::web::WebState;
use crate::web::error::AppError;

use crate::service::people::LINK_LIFETIME;

pub fn router() -> Router<WebState> {
    Router::new()
        .route("/users", get(list))
        .route("/users/invite", get(invite_form).post(invite))
        .route("/users/{id}/edit", get(edit_form).post(edit))
        .route("/users/{id}/delete", get(confirm_delete).post(delete))
        .route("/users/{id}/reset-link", post(reset_link))
}

/// An audit row for something `by` did to a person (no app involved).
pub fn people_event(
    by: &CurrentUser,
    addr: Option<std::net::IpAddr>,
    event: AuditEvent,
) -> AuditEntry<'_> {
    AuditEntry {
        actor_id: Some(by.user.id),
        actor_email: Some(&by.user.email),
        source_addr: addr.map(|a| a.to_string()),
        client_id: None,
        event,
    }
}

pub struct UserRow {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub is_admin: bool,
    pub enabled: bool,
    pub last_sign_in: Option<Moment>,
    pub is_you: bool,
}

#[derive(Template)]
#[template(path = "users/list.html")]
struct ListPage {
    layout: Layout,
    users: Vec<UserRow>,
}

async fn list(
    AccountAdmin(me): AccountAdmin,
    State(state): State<WebState>,
) -> Result<Html<String>, AppError> {
    let users = state
        .store
        .list_users()
        .await?
        .into_iter()
        .map(|u| UserRow {
            is_you: u.id == me.user.id,
            id: u.id,
            email: u.email,
            name: u.display_name,
            is_admin: u.is_admin,
            enabled: u.enabled,
            last_sign_in: u.last_sign_in_at.map(Moment::of),
        })
        .collect();
    render(&ListPage {
        layout: me.layout("users"),
        users,
    })
}

#[derive(Template)]
#[template(path = "users/invite.html")]
struct InvitePage {
    layout: Layout,
    email: String,
    name: String,
    is_admin: bool,
    email_error: Option<&'static str>,
    name_error: Option<&'static str>,
}

async fn invite_form(AccountAdmin(me): AccountAdmin) -> Result<Html<String>, AppError> {
    render(&InvitePage {
        layout: me.layout("users"),
        email: String::new(),
        name: String::new(),
        is_admin: false,
        email_error: None,
        name_error: None,
    })
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct InviteForm {
    csrf_token: String,
    email: String,
    name: String,
    is_admin: Checkbox,
}

/// A display name: trimmed, 1 to 100 characters, nothing hidden (see `domain::single_line`).
fn parse_name(raw: &str) -> Result<String, &'static str> {
    crate::domain::single_line(raw, 100, "Enter a name", "Use at most 100 characters")
}

#[derive(Template)]
#[template(path = "users/link.html")]
struct LinkPage {
    layout: Layout,
    heading: String,
    explanation: String,
    link: String,
}

/// A page that shows a single-use link: like a secret, it is shown once and never cached.
fn link_response(page: &LinkPage) -> Result<Response, AppError> {
    Ok((
        [
            (header::CACHE_CONTROL, "no-store"),
            (header::PRAGMA, "no-cache"),
        ],
        render(page)?,
    )
        .into_response())
}

async fn invite(
    AccountAdmin(me): AccountAdmin,
    State(state): State<WebState>,
    ClientAddr(addr): ClientAddr,
    Form(form): Form<InviteForm>,
) -> Result<Response, AppError> {
    session::verify_csrf(&me.session, &form.csrf_token).await?;
    let Checkbox(is_admin) = form.is_admin;
    let email =
        parse_email(&form.email).map_err(|_| "Enter an email address such as name@example.com");
    let name = parse_name(&form.name);
    let taken = match &email {
        Ok(e) => state.store.user_by_email(e).await?.is_some(),
        Err(_) => false,
    };
    let (Ok(email), Ok(name), false) = (&email, &name, taken) else {
        let page = InvitePage {
            layout: me.layout("users"),
            email_error: email
                .err()
                .or(taken.then_some("A user with this email already exists")),
            name_error: name.err(),
            email: form.email,
            name: form.name,
            is_admin,
        };
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
    };
    let token = random_token();
    let now = state.clock.now();
    let link = NewUserLink {
        kind: LinkKind::Invitation,
        token_hash: &token_hash(&token),
        email,
        display_name: name,
        is_admin,
        user_id: None,
        created_by: Some(me.user.id),
        created_at: now,
        expires_at: now + LINK_LIFETIME,
    };
    let invitation = Invitation {
        email: email.clone(),
        is_admin,
    };
    let entry = people_event(&me, addr, AuditEvent::UserInvited(invitation));
    state.store.create_user_link(link, entry).await?;
    link_response(&LinkPage {
        layout: me.layout("users"),
        heading: format!("Invitation for {email}"),
        explanation: format!(
            "Send this link to {name}. It works once, for 72 hours: the person chooses a password and is signed in{}. \
             frontdesk sends no e-mail itself, and this link is not shown again.",
            if is_admin { " as an account admin" } else { "" }
        ),
        link: format!("{}/invitations/{token}", state.config.public_url),
    })
}

async fn load_user(state: &WebState, id: i64) -> Result<User, AppError> {
    state.store.user_by_id(id).await?.ok_or(AppError::NotFound)
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
    csrf_token: String,
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
    Form(form): Form<EditForm>,
) -> Result<Response, AppError> {
    session::verify_csrf(&me.session, &form.csrf_token).await?;
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

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct CsrfOnly {
    csrf_token: String,
}

async fn delete(
    AccountAdmin(me): AccountAdmin,
    State(state): State<WebState>,
    ClientAddr(addr): ClientAddr,
    Path(id): Path<i64>,
    Form(form): Form<CsrfOnly>,
) -> Result<Response, AppError> {
    session::verify_csrf(&me.session, &form.csrf_token).await?;
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

async fn reset_link(
    AccountAdmin(me): AccountAdmin,
    State(state): State<WebState>,
    ClientAddr(addr): ClientAddr,
    Path(id): Path<i64>,
    Form(form): Form<CsrfOnly>,
) -> Result<Response, AppError> {
    session::verify_csrf(&me.session, &form.csrf_token).await?;
    let user = load_user(&state, id).await?;
    let person = Person {
        email: user.email.clone(),
    };
    let entry = people_event(&me, addr, AuditEvent::PasswordResetIssued(person));
    let link = crate::service::people::issue_reset_link(
        &state.store,
        &state.config.public_url,
        state.clock.now(),
        &user,
        entry,
    )
    .await?;
    link_response(&LinkPage {
        layout: me.layout("users"),
        heading: format!("Password reset link for {}", user.email),
        explanation: "Send this link to the person. It works once, for 72 hours: they choose a new password \
                      and are signed in. Their current password keeps working until then. This link is not shown again."
            .to_owned(),
        link,
    })
}
