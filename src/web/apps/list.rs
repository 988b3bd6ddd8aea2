//! The Connected apps list and the page form of the "Add a new app" dialog.

use askama::Template;
use axum::extract::State;
use axum::response::Html;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;

use crate::error::AppError;
use crate::state::AppState;
use crate::web::{AccountAdmin, CurrentUser, Layout, render};

pub struct AppRow {
    pub client_name: String,
    pub client_id: String,
    pub scope_count: i64,
    pub pii_label: &'static str,
    pub created_iso: String,
    pub created_day: String,
    pub created_exact: String,
}

#[derive(Template)]
#[template(path = "apps/list.html")]
struct ListPage {
    layout: Layout,
    account_code: String,
    apps: Vec<AppRow>,
}

pub async fn list(
    user: CurrentUser,
    State(state): State<AppState>,
) -> Result<Html<String>, AppError> {
    let day = format_description!("[year]-[month]-[day]");
    let exact = format_description!("[year]-[month]-[day] [hour]:[minute]:[second] UTC");
    let apps = state
        .store
        .list_apps(&state.config.account_code)
        .await?
        .into_iter()
        .map(|a| AppRow {
            created_iso: a.created_at.format(&Rfc3339).unwrap_or_default(),
            created_day: a.created_at.format(day).unwrap_or_default(),
            created_exact: a.created_at.format(exact).unwrap_or_default(),
            client_name: a.client_name,
            client_id: a.client_id,
            scope_count: a.scope_count,
            pii_label: a.pii_mode.label(),
        })
        .collect();
    render(&ListPage {
        layout: user.layout("connected-apps"),
        account_code: state.config.account_code.to_string(),
        apps,
    })
}

#[derive(Template)]
#[template(path = "apps/new.html")]
struct ChoosePage {
    layout: Layout,
}

/// Without JavaScript, "Add a new app" leads here: the dialog's choice as a page.
pub async fn choose(AccountAdmin(user): AccountAdmin) -> Result<Html<String>, AppError> {
    render(&ChoosePage {
        layout: user.layout("connected-apps"),
    })
}
