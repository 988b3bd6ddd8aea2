//! The account-wide Activity page (admins): changes to apps and people, sign-ins, and how each record
//! reads on a page.

use askama::Template;
use axum::extract::State;
use axum::response::Html;
use serde::Deserialize;
use serde_json::Value;

use super::apps::Moment;
use super::{AccountAdmin, Layout, Query, render};
use crate::store::{AuditFilter, AuditRecord};
use crate::web::WebState;
use crate::web::error::AppError;

pub const PAGE_SIZE: i64 = 50;

/// One event as a person reads it.
pub struct EventView {
    pub when: Moment,
    pub actor: String,
    pub source: String,
    pub title: String,
    pub client_id: Option<String>,
    /// What changed, one line each.
    pub changes: Vec<String>,
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "(none)".into(),
        other => other.to_string(),
    }
}

fn list(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| a.iter().map(text).collect())
        .unwrap_or_default()
}

fn yes_no(v: &Value) -> &'static str {
    if v.as_bool() == Some(true) {
        "yes"
    } else {
        "no"
    }
}

fn pii(v: &Value) -> String {
    match v.as_str() {
        Some("Retrieve") => "Retrieve".into(),
        Some("DontRetrieve") => "Don't retrieve".into(),
        _ => text(v),
    }
}

pub fn describe(record: AuditRecord) -> EventView {
    let d = &record.details;
    let (title, changes) = match record.action.as_str() {
        "app.created" => (
            "App created".to_owned(),
            vec![
                format!("Client name: {}", text(&d["client_name"])),
                format!(
                    "Personally identifiable information: {}",
                    pii(&d["pii_mode"])
                ),
                format!("Scopes: {}", list(&d["scopes"]).join(", ")),
                format!("Secret: {}", text(&d["secret_description"])),
            ],
        ),
        "app.edited" => {
            let (before, after) = (&d["before"], &d["after"]);
            let mut changes = Vec::new();
            if before["client_name"] != after["client_name"] {
                changes.push(format!(
                    "Client name: {} → {}",
                    text(&before["client_name"]),
                    text(&after["client_name"])
                ));
            }
            if before["pii_mode"] != after["pii_mode"] {
                changes.push(format!(
                    "Personally identifiable information: {} → {}",
                    pii(&before["pii_mode"]),
                    pii(&after["pii_mode"])
                ));
            }
            let (old, new) = (list(&before["scopes"]), list(&after["scopes"]));
            let added: Vec<_> = new.iter().filter(|s| !old.contains(s)).cloned().collect();
            let removed: Vec<_> = old.iter().filter(|s| !new.contains(s)).cloned().collect();
            if !added.is_empty() {
                changes.push(format!("Scopes added: {}", added.join(", ")));
            }
            if !removed.is_empty() {
                changes.push(format!("Scopes removed: {}", removed.join(", ")));
            }
            ("App edited".to_owned(), changes)
        }
        "secret.added" => (
            "Secret added".to_owned(),
            vec![format!("Description: {}", text(&d["description"]))],
        ),
        "secret.deleted" => (
            "Secret deleted".to_owned(),
            vec![format!("Description: {}", text(&d["description"]))],
        ),
        "app.deleted" => (
            "App deleted".to_owned(),
            vec![format!("Client name: {}", text(&d["client_name"]))],
        ),
        "user.signed_in" => ("Signed in".to_owned(), Vec::new()),
        "user.sign_in_failed" => ("Sign-in failed".to_owned(), Vec::new()),
        "user.invited" => (
            format!("Invited {}", text(&d["email"])),
            vec![format!("Account admin: {}", yes_no(&d["is_admin"]))],
        ),
        "user.invitation_accepted" => ("Invitation accepted".to_owned(), Vec::new()),
        "user.updated" => {
            let (before, after) = (&d["before"], &d["after"]);
            let mut changes = Vec::new();
            if before["name"] != after["name"] {
                changes.push(format!(
                    "Name: {} → {}",
                    text(&before["name"]),
                    text(&after["name"])
                ));
            }
            if before["is_admin"] != after["is_admin"] {
                changes.push(format!(
                    "Account admin: {} → {}",
                    yes_no(&before["is_admin"]),
                    yes_no(&after["is_admin"])
                ));
            }
            if before["enabled"] != after["enabled"] {
                changes.push(format!(
                    "Enabled: {} → {}",
                    yes_no(&before["enabled"]),
                    yes_no(&after["enabled"])
                ));
            }
            (format!("Changed {}", text(&d["email"])), changes)
        }
        "user.deleted" => (format!("Deleted {}", text(&d["email"])), Vec::new()),
        "user.password_changed" => ("Password changed".to_owned(), Vec::new()),
        "user.password_reset_issued" => (
            format!("Password reset link for {}", text(&d["email"])),
            Vec::new(),
        ),
        "user.password_reset" => ("Password reset".to_owned(), Vec::new()),
        other => (other.to_owned(), Vec::new()),
    };
    EventView {
        when: Moment::of(record.at),
        actor: record.actor_email.unwrap_or_else(|| "frontdesk".into()),
        source: record
            .source_addr
            .unwrap_or_else(|| "unknown address".into()),
        title,
        client_id: record.client_id,
        changes,
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ActivityParams {
    app: String,
    user: String,
    page: String,
}

#[derive(Template)]
#[template(path = "activity/page.html")]
struct ActivityPage {
    layout: Layout,
    events: Vec<EventView>,
    app: String,
    user: String,
    actors: Vec<String>,
    total: i64,
    page: i64,
    pages: i64,
    prev_url: Option<String>,
    next_url: Option<String>,
}

fn activity_url(app: &str, user: &str, page: i64) -> String {
    let mut q = form_urlencoded::Serializer::new(String::new());
    if !app.is_empty() {
        q.append_pair("app", app);
    }
    if !user.is_empty() {
        q.append_pair("user", user);
    }
    q.append_pair("page", &page.to_string());
    format!("/activity?{}", q.finish())
}

pub async fn page(
    AccountAdmin(user): AccountAdmin,
    State(state): State<WebState>,
    Query(params): Query<ActivityParams>,
) -> Result<Html<String>, AppError> {
    let app = params.app.trim().to_owned();
    let who = params.user.trim().to_lowercase();
    let filter = AuditFilter {
        client_id: (!app.is_empty()).then(|| app.clone()),
        actor_email: (!who.is_empty()).then(|| who.clone()),
    };
    let total = state.store.count_audit_records(&filter).await?;
    let pages = ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    let page = params.page.parse::<i64>().unwrap_or(1).clamp(1, pages);
    let events = state
        .store
        .audit_records(&filter, PAGE_SIZE, (page - 1) * PAGE_SIZE)
        .await?
        .into_iter()
        .map(describe)
        .collect();
    render(&ActivityPage {
        layout: user.layout("activity"),
        events,
        actors: state.store.audit_actors().await?,
        total,
        page,
        pages,
        prev_url: (page > 1).then(|| activity_url(&app, &who, page - 1)),
        next_url: (page < pages).then(|| activity_url(&app, &who, page + 1)),
        app,
        user: who,
    })
}
