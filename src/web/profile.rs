//! Your own profile: who you are, and changing your password.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::users::people_event;
use super::{CsrfForm, CurrentUser, Layout, render, session};
use crate::domain::audit::Person;
use crate::domain::{AuditEvent, PasswordHasher, PasswordProblem, SecretValue, check_new_password};
use crate::http::ClientAddr;
use crate::web::WebState;
use crate::web::error::AppError;

pub fn router() -> Router<WebState> {
    Router::new()
        .route("/profile", get(show))
        .route("/profile/password", post(change_password))
}

#[derive(Template)]
#[template(path = "profile/page.html")]
struct ProfilePage {
    layout: Layout,
    current_error: Option<&'static str>,
    new_error: Option<&'static str>,
}

async fn show(me: CurrentUser) -> Result<Response, AppError> {
    let page = ProfilePage {
        layout: me.layout("profile"),
        current_error: None,
        new_error: None,
    };
    Ok(render(&page)?.into_response())
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct PasswordChange {
    current_password: String,
    new_password: String,
    confirm: String,
    /// The hidden field that tells password managers whose password this is; not read.
    #[allow(dead_code)]
    username: String,
}

async fn change_password(
    me: CurrentUser,
    State(state): State<WebState>,
    ClientAddr(addr): ClientAddr,
    CsrfForm(form): CsrfForm<PasswordChange>,
) -> Result<Response, AppError> {
    let current = SecretValue::from_presented(form.current_password.clone());
    let current_ok = PasswordHasher
        .verify_async(current, Some(me.user.password_hash.clone()))
        .await?;
    let new_error = if form.new_password != form.confirm {
        Some("The two new passwords differ")
    } else {
        check_new_password(&form.new_password, &me.user.email)
            .err()
            .map(PasswordProblem::field_message)
    };
    if !current_ok || new_error.is_some() {
        let page = ProfilePage {
            layout: me.layout("profile"),
            current_error: (!current_ok).then_some("The current password is not right"),
            new_error,
        };
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
    }
    let hash = PasswordHasher
        .hash_async(SecretValue::from_presented(form.new_password))
        .await?;
    let person = Person {
        email: me.user.email.clone(),
    };
    let entry = people_event(&me, addr, AuditEvent::PasswordChanged(person));
    state.store.set_password(me.user.id, &hash, entry).await?;
    // Other sessions of this user end at their next request; this one continues under a new id.
    session::sign_in(&me.session, me.user.id, &hash, state.clock.now()).await?;
    session::set_flash(
        &me.session,
        "Your password was changed. Your other sessions were signed out.",
    )
    .await?;
    Ok(Redirect::to("/profile").into_response())
}
