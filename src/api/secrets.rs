//! An app's secrets: listing them (never their values). Adding and deleting are in `write`.

use axum::extract::State;
use axum::response::Response;
use serde::Serialize;
use utoipa::ToSchema;

use super::apps::load;
use super::auth::Reader;
use super::extract::Path;
use super::problem::ApiError;
use super::view::Secret;
use super::{ApiState, json};

#[derive(Serialize, ToSchema, Debug)]
pub struct SecretList {
    pub items: Vec<Secret>,
}

/// List an app's secrets.
#[utoipa::path(
    get,
    path = "/api/v1/apps/{client_id}/secrets",
    tag = "secrets",
    operation_id = "listSecrets",
    params(("client_id" = String, Path, description = "The app's client ID")),
    responses((status = 200, description = "The app's secrets, oldest first", body = SecretList)),
    security(("oauth2" = ["frontdesk:apps.read"]), ("oauth2" = ["frontdesk:apps.manage"]))
)]
pub async fn list_secrets(
    Reader(_): Reader,
    State(state): State<ApiState>,
    Path(client_id): Path<String>,
) -> Result<Response, ApiError> {
    let app = load(&state, &client_id).await?;
    Ok(json(&SecretList {
        items: app.secrets.iter().map(Secret::from).collect(),
    }))
}
