//! An app's standing on its page: Suspend (behind a confirmation) and Resume, and Revoke all tokens
//! (behind a confirmation). Admins only; each goes through `service::apps`.

use askama::Template;
use axum::extract::State;
use axum::response::{Html, Response};

use super::detail::{back_to_app, load_app};
use super::register::{actor, unexpected};
use crate::http::ClientAddr;
use crate::service::apps::{self, StateChange};
use crate::store::AppDetail;
use crate::web::error::AppError;
use crate::web::{AccountAdmin, CsrfForm, Layout, NoFields, Path, WebState, render};

#[derive(Template)]
#[template(path = "apps/connected-apps/suspend.html")]
struct ConfirmSuspendPage {
    layout: Layout,
    app: AppDetail,
}

#[derive(Template)]
#[template(path = "apps/connected-apps/revoke_tokens.html")]
struct ConfirmRevokePage {
    layout: Layout,
    app: AppDetail,
}

pub async fn confirm_suspend(
    AccountAdmin(user): AccountAdmin,
    State(state): State<WebState>,
    Path(client_id): Path<String>,
) -> Result<Html<String>, AppError> {
    let app = load_app(&state, &client_id).await?;
    render(&ConfirmSuspendPage {
        layout: user.layout("connected-apps"),
        app,
    })
}

pub async fn suspend(
    AccountAdmin(user): AccountAdmin,
    State(state): State<WebState>,
    ClientAddr(addr): ClientAddr,
    Path(client_id): Path<String>,
    _: CsrfForm<NoFields>,
) -> Result<Response, AppError> {
    let app = load_app(&state, &client_id).await?;
    let done = apps::suspend_app(&state.core, actor(&user, addr), &app.client_id)
        .await
        .map_err(unexpected)?;
    let message = match done {
        StateChange::Changed => format!(
            "Suspended {}. It gets no tokens and its tokens are inactive until you resume it.",
            app.client_name
        ),
        StateChange::Unchanged => format!("{} was already suspended.", app.client_name),
    };
    back_to_app(&user, &app.client_id, message).await
}

pub async fn resume(
    AccountAdmin(user): AccountAdmin,
    State(state): State<WebState>,
    ClientAddr(addr): ClientAddr,
    Path(client_id): Path<String>,
    _: CsrfForm<NoFields>,
) -> Result<Response, AppError> {
    let app = load_app(&state, &client_id).await?;
    let done = apps::resume_app(&state.core, actor(&user, addr), &app.client_id)
        .await
        .map_err(unexpected)?;
    let message = match done {
        StateChange::Changed => format!(
            "Resumed {}. Its secrets and tokens work again.",
            app.client_name
        ),
        StateChange::Unchanged => format!("{} was not suspended.", app.client_name),
    };
    back_to_app(&user, &app.client_id, message).await
}

pub async fn confirm_revoke(
    AccountAdmin(user): AccountAdmin,
    State(state): State<WebState>,
    Path(client_id): Path<String>,
) -> Result<Html<String>, AppError> {
    let app = load_app(&state, &client_id).await?;
    render(&ConfirmRevokePage {
        layout: user.layout("connected-apps"),
        app,
    })
}

pub async fn revoke(
    AccountAdmin(user): AccountAdmin,
    State(state): State<WebState>,
    ClientAddr(addr): ClientAddr,
    Path(client_id): Path<String>,
    _: CsrfForm<NoFields>,
) -> Result<Response, AppError> {
    let app = load_app(&state, &client_id).await?;
    apps::revoke_tokens(&state.core, actor(&user, addr), &app.client_id)
        .await
        .map_err(unexpected)?;
    let message = format!(
        "Revoked every token of {}. Its secrets still work: tokens requested from now on are valid.",
        app.client_name
    );
    back_to_app(&user, &app.client_id, message).await
}
