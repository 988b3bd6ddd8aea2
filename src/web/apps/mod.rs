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
mod rotate;
mod secrets;
mod state;
mod store;

use axum::Router;
use axum::routing::get;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;

use crate::domain::{AuditEvent, ExpiryState};
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
        .route(
            "/apps/connected-apps/{client_id}/secrets/{secret_id}/rotate",
            get(rotate::confirm).post(rotate::rotate),
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

/// A secret's expiry as pages show it: "expires in 12 days" or "expired", a warning (class and icon,
/// not colour alone) when it has expired or is under `EXPIRY_WARNING_DAYS`, and the moment itself.
pub struct ExpiryView {
    pub text: String,
    pub warn: bool,
    pub expired: bool,
    pub at: Moment,
}

impl ExpiryView {
    pub fn of(expires_at: OffsetDateTime, now: OffsetDateTime) -> Self {
        let state = ExpiryState::of(expires_at, now);
        Self {
            text: state.text(),
            warn: !matches!(state, ExpiryState::Later(_)),
            expired: state == ExpiryState::Expired,
            at: Moment::of(expires_at),
        }
    }

    /// The class the warning is styled by.
    pub fn class(&self) -> &'static str {
        match (self.expired, self.warn) {
            (true, _) => "expiry expired",
            (false, true) => "expiry soon",
            (false, false) => "expiry",
        }
    }
}

/// The list's URL for a search, filter, sort and page.
pub fn list_url(search: &str, filter: &str, sort: &str, page: i64) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    if !search.is_empty() {
        query.append_pair("q", search);
    }
    if !filter.is_empty() && filter != "all" {
        query.append_pair("filter", filter);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paging_links_keep_the_search_and_the_filter() {
        assert_eq!(
            list_url("voice", "expired", "name", 2),
            "/apps/connected-apps?q=voice&filter=expired&sort=name&page=2"
        );
        assert_eq!(list_url("", "all", "newest", 1), "/apps/connected-apps");
        assert_eq!(
            list_url("", "unused", "newest", 3),
            "/apps/connected-apps?filter=unused&page=3"
        );
    }

    #[test]
    fn an_expiry_warns_in_words_under_fourteen_days_and_once_expired() {
        let now = time::macros::datetime!(2027-01-01 0:00 UTC);
        let at = |days| ExpiryView::of(now + time::Duration::days(days), now);
        assert_eq!(
            (at(30).text.as_str(), at(30).warn),
            ("expires in 30 days", false)
        );
        assert_eq!((at(13).class(), at(13).warn), ("expiry soon", true));
        assert_eq!(
            (at(0).text.as_str(), at(0).class()),
            ("expired", "expiry expired")
        );
    }
}
