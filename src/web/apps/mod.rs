//! Apps > Connected apps: the list, the "Add a new app" choice, the New custom app form, each app's
//! page with its edits, secrets and deletion, and the store apps connected to the account
//! (`connections`); Apps > My store apps (`store`), whose apps share those pages.

mod connections;
pub mod create;
mod detail;
mod edit;
mod form;
mod list;
mod register;
mod secrets;
mod state;
mod store;

use axum::Router;
use axum::routing::get;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;

use crate::domain::AuditEvent;
use crate::store::AuditEntry;
use crate::web::CurrentUser;
use crate::web::WebState;

pub fn router() -> Router<WebState> {
    Router::new()
        .route("/apps/connected-apps", get(list::list))
        .route("/apps/connected-apps/new", get(list::choose))
        .route("/apps/store-apps", get(store::list))
        .route("/apps/store-apps/new", get(store::show).post(store::submit))
        .route(
            "/apps/connected-apps/create",
            get(create::show).post(create::submit),
        )
        .route("/apps/connected-apps/{client_id}", get(detail::show))
        .route(
            "/apps/connected-apps/{client_id}/edit",
            get(edit::show).post(edit::submit),
        )
        .route(
            "/apps/connected-apps/{client_id}/delete",
            get(detail::confirm_delete).post(detail::delete),
        )
        .route(
            "/apps/connected-apps/{client_id}/suspend",
            get(state::confirm_suspend).post(state::suspend),
        )
        .route(
            "/apps/connected-apps/{client_id}/resume",
            axum::routing::post(state::resume),
        )
        .route(
            "/apps/connected-apps/{client_id}/revoke-tokens",
            get(state::confirm_revoke).post(state::revoke),
        )
        .route(
            "/apps/connected-apps/{client_id}/disconnect",
            get(connections::confirm_disconnect).post(connections::disconnect),
        )
        .route(
            "/apps/connected-apps/{client_id}/secrets/new",
            get(secrets::show_add).post(secrets::add),
        )
        .route(
            "/apps/connected-apps/{client_id}/secrets/{secret_id}/delete",
            get(secrets::confirm_delete).post(secrets::delete),
        )
}

/// A point in time as pages show it: the day (or day and time), with the exact time for `title`.
pub struct Moment {
    pub iso: String,
    pub day: String,
    pub minute: String,
    pub exact: String,
}

impl Moment {
    pub fn of(t: OffsetDateTime) -> Self {
        Self {
            iso: t.format(&Rfc3339).unwrap_or_default(),
            day: t
                .format(format_description!("[year]-[month]-[day]"))
                .unwrap_or_default(),
            minute: t
                .format(format_description!("[year]-[month]-[day] [hour]:[minute]"))
                .unwrap_or_default(),
            exact: t
                .format(format_description!(
                    "[year]-[month]-[day] [hour]:[minute]:[second] UTC"
                ))
                .unwrap_or_default(),
        }
    }
}

/// The list's URL for a search, sort and page.
pub fn list_url(search: &str, sort: &str, page: i64) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    if !search.is_empty() {
        query.append_pair("q", search);
    }
    if sort != "newest" {
        query.append_pair("sort", sort);
    }
    if page > 1 {
        query.append_pair("page", &page.to_string());
    }
    let query = query.finish();
    if query.is_empty() {
        "/apps/connected-apps".to_owned()
    } else {
        format!("/apps/connected-apps?{query}")
    }
}

/// The path of an app's page.
pub fn app_path(client_id: &str) -> String {
    format!("/apps/connected-apps/{client_id}")
}

/// An audit row for something `user` did to the app `client_id`.
pub fn audit_entry<'a>(
    user: &'a CurrentUser,
    source_addr: Option<std::net::IpAddr>,
    client_id: &'a str,
    event: AuditEvent,
) -> AuditEntry<'a> {
    AuditEntry {
        actor_id: Some(user.user.id),
        actor_email: Some(&user.user.email),
        source_addr: source_addr.map(|a| a.to_string()),
        client_id: Some(client_id),
        event,
    }
}
