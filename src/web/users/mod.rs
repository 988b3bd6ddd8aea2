//! The Users pages (account admins): who can sign in, invitations, edits, password-reset links.

mod edit;
mod invite;
mod list;

use askama::Template;
use axum::Router;
use axum::http::header;
use axum::response::{IntoResponse, Response};

use super::{CurrentUser, Layout, render};
use crate::domain::AuditEvent;
use crate::store::{AuditEntry, User};
use crate::web::WebState;
use crate::web::error::AppError;

pub fn router() -> Router<WebState> {
    Router::new()
        .merge(list::router())
        .merge(invite::router())
        .merge(edit::router())
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

/// A display name: trimmed, 1 to 100 characters, nothing hidden (see `domain::single_line`).
fn parse_name(raw: &str) -> Result<String, &'static str> {
    crate::domain::single_line(raw, 100, "Enter a name", "Use at most 100 characters")
}

async fn load_user(state: &WebState, id: i64) -> Result<User, AppError> {
    state.store.user_by_id(id).await?.ok_or(AppError::NotFound)
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
