//! The Users page: everyone who can sign in.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Html;
use axum::routing::get;

use crate::web::apps::Moment;
use crate::web::error::AppError;
use crate::web::{AccountAdmin, Layout, WebState, render};

pub(super) fn router() -> Router<WebState> {
    Router::new().route("/users", get(list))
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
