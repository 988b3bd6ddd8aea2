//! Following a single-use link: accept an invitation or reset a password, by choosing a password.

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;
use serde_json::json;
use tower_sessions::Session;

use super::{ClientAddr, Form, render, session};
use crate::domain::{PasswordHasher, SecretValue, check_new_password, token_hash};
use crate::error::AppError;
use crate::state::AppState;
use crate::store::{AuditEntry, StoreError, UserLink};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/invitations/{token}",
            get(show_invitation).post(accept_invitation),
        )
        .route("/password-reset/{token}", get(show_reset).post(reset))
}

#[derive(Template)]
#[template(path = "users/choose_password.html")]
struct ChoosePasswordPage {
    csrf_token: String,
    title: &'static str,
    intro: String,
    email: String,
    action: String,
    error: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "users/link_invalid.html")]
struct InvalidLinkPage {
    title: &'static str,
}

/// The link, if it is still usable now; otherwise the page that says it is not.
async fn usable_link(
    state: &AppState,
    kind: &str,
    token: &str,
) -> Result<Result<UserLink, Response>, AppError> {
    let link = state.store.user_link(kind, &token_hash(token)).await?;
    let now = state.clock.now();
    match link {
        Some(link) if link.used_at.is_none() && link.expires_at > now => Ok(Ok(link)),
        found => {
            let title = match found {
                None => "This link is not valid",
                Some(l) if l.used_at.is_some() => "This link has already been used",
                Some(_) => "This link has expired",
            };
            let status = if found_is_none(title) {
                StatusCode::NOT_FOUND
            } else {
                StatusCode::GONE
            };
            Ok(Err(
                (status, render(&InvalidLinkPage { title })?).into_response()
            ))
        }
    }
}

fn found_is_none(title: &str) -> bool {
    title == "This link is not valid"
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PasswordForm {
    csrf_token: String,
    password: String,
    confirm: String,
}

/// The password rules' answers, phrased for a form field.
pub(super) fn form_message(why: &'static str) -> &'static str {
    match why {
        "the password must have at least 12 characters" => "Use at least 12 characters",
        "the password must not be your email address" => {
            "Do not use your email address as the password"
        }
        "the password must not repeat a single character" => "Do not repeat a single character",
        "the password must have at most 1024 characters" => "Use at most 1024 characters",
        _ => "This password is on a list of common passwords; choose another",
    }
}

/// Checks the chosen password and its confirmation; the message is shown on the form.
fn chosen_password(form: &PasswordForm, email: &str) -> Result<SecretValue, &'static str> {
    if form.password != form.confirm {
        return Err("The two passwords differ");
    }
    check_new_password(&form.password, email).map_err(form_message)?;
    Ok(SecretValue::from_presented(form.password.clone()))
}

async fn show_invitation(
    State(state): State<AppState>,
    session: Session,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let link = match usable_link(&state, "invitation", &token).await? {
        Ok(link) => link,
        Err(page) => return Ok(page),
    };
    let page = ChoosePasswordPage {
        csrf_token: session::csrf_token(&session).await?,
        title: "Welcome to frontdesk",
        intro: format!(
            "You were invited as {}. Choose a password to finish.",
            link.display_name
        ),
        email: link.email,
        action: format!("/invitations/{token}"),
        error: None,
    };
    Ok(render(&page)?.into_response())
}

async fn accept_invitation(
    State(state): State<AppState>,
    session: Session,
    ClientAddr(addr): ClientAddr,
    Path(token): Path<String>,
    Form(form): Form<PasswordForm>,
) -> Result<Response, AppError> {
    session::verify_csrf(&session, &form.csrf_token).await?;
    let link = match usable_link(&state, "invitation", &token).await? {
        Ok(link) => link,
        Err(page) => return Ok(page),
    };
    let password = match chosen_password(&form, &link.email) {
        Ok(p) => p,
        Err(error) => {
            let page = ChoosePasswordPage {
                csrf_token: session::csrf_token(&session).await?,
                title: "Welcome to frontdesk",
                intro: format!(
                    "You were invited as {}. Choose a password to finish.",
                    link.display_name
                ),
                email: link.email,
                action: format!("/invitations/{token}"),
                error: Some(error),
            };
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
        }
    };
    let hash = PasswordHasher.hash_async(password).await?;
    let email = link.email.clone();
    let source = addr.map(|a| a.to_string());
    let accepted = state
        .store
        .accept_invitation(&link, &hash, state.clock.now(), |user_id| AuditEntry {
            actor_id: Some(user_id),
            actor_email: Some(&email),
            source_addr: source,
            action: "user.invitation_accepted",
            client_id: None,
            details: json!({ "is_admin": link.is_admin }),
        })
        .await;
    let user_id = match accepted {
        Ok(Some(id)) => id,
        // Used by a concurrent request a moment ago.
        Ok(None) => {
            return Ok((
                StatusCode::GONE,
                render(&InvalidLinkPage {
                    title: "This link has already been used",
                })?,
            )
                .into_response());
        }
        Err(StoreError::Duplicate) => {
            return Err(AppError::Rejected {
                status: StatusCode::CONFLICT,
                message: "A user with this email already exists. Sign in instead.".into(),
            });
        }
        Err(e) => return Err(e.into()),
    };
    session::sign_in(&session, user_id, &hash).await?;
    session::set_flash(&session, "Welcome! Your account is ready.").await?;
    Ok(Redirect::to("/apps/connected-apps").into_response())
}

async fn show_reset(
    State(state): State<AppState>,
    session: Session,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let link = match usable_link(&state, "password_reset", &token).await? {
        Ok(link) => link,
        Err(page) => return Ok(page),
    };
    let page = ChoosePasswordPage {
        csrf_token: session::csrf_token(&session).await?,
        title: "Choose a new password",
        intro: "Choose a new password for your account.".into(),
        email: link.email,
        action: format!("/password-reset/{token}"),
        error: None,
    };
    Ok(render(&page)?.into_response())
}

async fn reset(
    State(state): State<AppState>,
    session: Session,
    ClientAddr(addr): ClientAddr,
    Path(token): Path<String>,
    Form(form): Form<PasswordForm>,
) -> Result<Response, AppError> {
    session::verify_csrf(&session, &form.csrf_token).await?;
    let link = match usable_link(&state, "password_reset", &token).await? {
        Ok(link) => link,
        Err(page) => return Ok(page),
    };
    let password = match chosen_password(&form, &link.email) {
        Ok(p) => p,
        Err(error) => {
            let page = ChoosePasswordPage {
                csrf_token: session::csrf_token(&session).await?,
                title: "Choose a new password",
                intro: "Choose a new password for your account.".into(),
                email: link.email,
                action: format!("/password-reset/{token}"),
                error: Some(error),
            };
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
        }
    };
    let hash = PasswordHasher.hash_async(password).await?;
    let entry = AuditEntry {
        actor_id: link.user_id,
        actor_email: Some(&link.email),
        source_addr: addr.map(|a| a.to_string()),
        action: "user.password_reset",
        client_id: None,
        details: json!({}),
    };
    if !state
        .store
        .reset_password(&link, &hash, state.clock.now(), entry)
        .await?
    {
        return Ok((
            StatusCode::GONE,
            render(&InvalidLinkPage {
                title: "This link has already been used",
            })?,
        )
            .into_response());
    }
    let Some(user_id) = link.user_id else {
        return Err(AppError::NotFound);
    };
    // Every other session of this user ends (their fingerprint no longer matches); this one starts anew.
    session::sign_in(&session, user_id, &hash).await?;
    session::set_flash(&session, "Your password was changed.").await?;
    Ok(Redirect::to("/apps/connected-apps").into_response())
}
