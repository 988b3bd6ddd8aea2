//! Store apps people in the account have authorized (listed beside the custom apps) and disconnecting
//! one: its consents removed and all its tokens revoked, after a confirmation naming it.

use askama::Template;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};

use super::{Moment, audit_entry};
use crate::domain::AuditEvent;
use crate::domain::audit::Disconnection;
use crate::http::ClientAddr;
use crate::store::ConnectedApp;
use crate::web::error::AppError;
use crate::web::{AccountAdmin, CsrfForm, Layout, NoFields, Path, WebState, render, session};

/// A connected store app as the Connected apps list and the app's page show it.
pub struct ConnectionRow {
    pub client_id: String,
    pub client_name: String,
    /// Who connected it first.
    pub connected_by: String,
    /// How many other people have authorized it too.
    pub others: i64,
    pub people: i64,
    pub connected: Moment,
}

impl ConnectionRow {
    fn of(app: ConnectedApp) -> Self {
        Self {
            others: (app.people - 1).max(0),
            people: app.people,
            connected: Moment::of(app.connected_at),
            connected_by: app.connected_by,
            client_id: app.client_id,
            client_name: app.client_name,
        }
    }
}

/// Every connected store app, most recently connected first.
pub async fn connection_rows(state: &WebState) -> Result<Vec<ConnectionRow>, AppError> {
    Ok(state
        .store
        .connected_apps()
        .await?
        .into_iter()
        .map(ConnectionRow::of)
        .collect())
}

/// The connection of store app `client_id`, if anyone has authorized it.
pub async fn find_connection(
    state: &WebState,
    client_id: &str,
) -> Result<Option<ConnectionRow>, AppError> {
    Ok(state
        .store
        .connected_app(client_id)
        .await?
        .map(ConnectionRow::of))
}

#[derive(Template)]
#[template(path = "apps/connected-apps/disconnect.html")]
struct ConfirmDisconnectPage {
    layout: Layout,
    connection: ConnectionRow,
}

pub async fn confirm_disconnect(
    AccountAdmin(user): AccountAdmin,
    State(state): State<WebState>,
    Path(client_id): Path<String>,
) -> Result<Html<String>, AppError> {
    let connection = find_connection(&state, &client_id)
        .await?
        .ok_or(AppError::NotFound)?;
    render(&ConfirmDisconnectPage {
        layout: user.layout("connected-apps"),
        connection,
    })
}

pub async fn disconnect(
    AccountAdmin(user): AccountAdmin,
    State(state): State<WebState>,
    ClientAddr(addr): ClientAddr,
    Path(client_id): Path<String>,
    _: CsrfForm<NoFields>,
) -> Result<Response, AppError> {
    let connection = find_connection(&state, &client_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let client_name = connection.client_name.clone();
    let removed = state
        .store
        .disconnect_app(&connection.client_id, |consents| {
            audit_entry(
                &user,
                addr,
                &connection.client_id,
                AuditEvent::AppDisconnected(Disconnection {
                    client_name: client_name.clone(),
                    consents,
                }),
            )
        })
        .await?;
    // Another admin disconnected it between our look-up and our delete.
    let Some(consents) = removed else {
        return Err(AppError::NotFound);
    };
    tracing::info!(
        client_id = %connection.client_id,
        user_id = user.user.id,
        consents,
        "app disconnected"
    );
    session::set_flash(
        &user.session,
        format!("{} was disconnected.", connection.client_name),
    )
    .await?;
    Ok(Redirect::to("/apps/connected-apps").into_response())
}
