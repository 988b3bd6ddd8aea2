//! An app's secrets: listing them (never their values), adding one (its value shown once), deleting
//! one. Adding and deleting change the app, so they need `If-Match` with the app's ETag.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::apps::load;
use super::auth::{Manager, Reader};
use super::extract::{IfMatch, Json, Path};
use super::problem::ApiError;
use super::view::{App, Secret};
use super::write::actor;
use super::{ApiState, json, json_with};
use crate::service::apps as service;

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
    _: Reader,
    State(state): State<ApiState>,
    Path(client_id): Path<String>,
) -> Result<Response, ApiError> {
    let app = load(&state, &client_id).await?;
    Ok(json(&SecretList {
        items: app.secrets.iter().map(Secret::from).collect(),
    }))
}

/// A new secret for an app.
#[derive(Deserialize, ToSchema, Debug)]
#[serde(deny_unknown_fields)]
pub struct NewSecret {
    pub description: String,
}

/// The new secret: its value is shown this once.
#[derive(Serialize, ToSchema, Debug)]
pub struct CreatedSecret {
    pub id: i64,
    pub description: String,
    pub client_secret: String,
}

/// Add a secret to an app (at most 10).
#[utoipa::path(
    post,
    path = "/api/v1/apps/{client_id}/secrets",
    tag = "secrets",
    operation_id = "addSecret",
    params(
        ("client_id" = String, Path, description = "The app's client ID"),
        ("If-Match" = String, Header, description = "The app's ETag")
    ),
    request_body = NewSecret,
    responses((status = 201, description = "Added; client_secret is shown this once", body = CreatedSecret)),
    security(("oauth2" = ["frontdesk:apps.manage"]))
)]
pub async fn add_secret(
    Manager(caller): Manager,
    State(state): State<ApiState>,
    Path(client_id): Path<String>,
    if_match: IfMatch,
    Json(body): Json<NewSecret>,
) -> Result<Response, ApiError> {
    let app = load(&state, &client_id).await?;
    if_match.check(&App::of(&app, &state.catalog).etag())?;
    let added = service::add_secret(
        &state,
        actor(&caller),
        &app.client_id,
        &body.description,
        None,
    )
    .await?;
    let body = CreatedSecret {
        id: added.id,
        description: added.description,
        client_secret: added.secret.expose().to_owned(),
    };
    Ok(json_with(StatusCode::CREATED, &body))
}

/// Delete one of an app's secrets; the tokens obtained with it stop working. The calling app cannot
/// delete the secret its own token came from (409).
#[utoipa::path(
    delete,
    path = "/api/v1/apps/{client_id}/secrets/{secret_id}",
    tag = "secrets",
    operation_id = "deleteSecret",
    params(
        ("client_id" = String, Path, description = "The app's client ID"),
        ("secret_id" = i64, Path, description = "The secret's id"),
        ("If-Match" = String, Header, description = "The app's ETag")
    ),
    responses((status = 204, description = "Deleted")),
    security(("oauth2" = ["frontdesk:apps.manage"]))
)]
pub async fn delete_secret(
    Manager(caller): Manager,
    State(state): State<ApiState>,
    Path((client_id, secret_id)): Path<(String, i64)>,
    if_match: IfMatch,
) -> Result<Response, ApiError> {
    let app = load(&state, &client_id).await?;
    if !app.secrets.iter().any(|s| s.id == secret_id) {
        return Err(ApiError::NotFound("secret"));
    }
    if_match.check(&App::of(&app, &state.catalog).etag())?;
    if app.client_id == caller.client_id && secret_id == caller.secret_id {
        return Err(ApiError::Conflict(
            "an app cannot delete the secret its access token was obtained with".into(),
        ));
    }
    service::delete_secret(&state, actor(&caller), &app.client_id, secret_id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
