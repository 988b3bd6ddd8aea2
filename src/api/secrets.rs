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
use crate::domain::SecretExpiry;
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
    /// When it stops working: `never` (the default), `30d`, `90d`, `1y`, or a date `YYYY-MM-DD` (the
    /// end of that day, UTC; today or later).
    #[serde(default)]
    pub expires: Option<String>,
}

/// The new secret: its value is shown this once.
#[derive(Serialize, ToSchema, Debug)]
pub struct CreatedSecret {
    pub id: i64,
    pub description: String,
    pub client_secret: String,
    /// When it stops working; `null`: never.
    #[schema(format = DateTime)]
    pub expires_at: Option<String>,
}

/// How to rotate a secret.
#[derive(Deserialize, ToSchema, Debug)]
#[serde(deny_unknown_fields)]
pub struct Rotation {
    /// How many days the old secret keeps working, 0 (at once) to 90; default 7. It never lasts
    /// longer than it already would.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 90)]
    pub grace_days: Option<i64>,
    /// The new secret's description; default: the old one's.
    #[serde(default)]
    pub description: Option<String>,
    /// The new secret's expiry, as when adding one; default: the old secret's period, or never.
    #[serde(default)]
    pub expires: Option<String>,
}

/// A rotation done: the new secret (its value shown this once) and the old one's expiry.
#[derive(Serialize, ToSchema, Debug)]
pub struct RotatedSecret {
    pub secret: CreatedSecret,
    pub old_secret_id: i64,
    /// When the old secret stops working.
    #[schema(format = DateTime)]
    pub old_expires_at: String,
}

/// An expiry in the API's words, or the field's problem.
fn expiry(raw: Option<&str>) -> Result<Option<SecretExpiry>, ApiError> {
    raw.map(|raw| {
        SecretExpiry::parse(raw).map_err(|e| {
            ApiError::from(service::ServiceError::Invalid(vec![service::FieldError {
                field: "expires",
                message: e.to_owned(),
            }]))
        })
    })
    .transpose()
}

fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
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
    let expires = expiry(body.expires.as_deref())?.unwrap_or(SecretExpiry::Never);
    let added = service::add_secret(
        &state,
        actor(&caller),
        &app.client_id,
        &body.description,
        expires,
        None,
    )
    .await?;
    let body = CreatedSecret {
        id: added.id,
        description: added.description,
        client_secret: added.secret.expose().to_owned(),
        expires_at: added.expires_at.map(rfc3339),
    };
    Ok(json_with(StatusCode::CREATED, &body))
}

/// Rotate a secret: add a new one (counted against the 10 allowed) and let the old one expire after a
/// grace period, in one change.
#[utoipa::path(
    post,
    path = "/api/v1/apps/{client_id}/secrets/{secret_id}/rotate",
    tag = "secrets",
    operation_id = "rotateSecret",
    params(
        ("client_id" = String, Path, description = "The app's client ID"),
        ("secret_id" = i64, Path, description = "The secret to replace"),
        ("If-Match" = String, Header, description = "The app's ETag")
    ),
    request_body = Rotation,
    responses((status = 201, description = "Rotated; the new client_secret is shown this once", body = RotatedSecret)),
    security(("oauth2" = ["frontdesk:apps.manage"]))
)]
pub async fn rotate_secret(
    Manager(caller): Manager,
    State(state): State<ApiState>,
    Path((client_id, secret_id)): Path<(String, i64)>,
    if_match: IfMatch,
    Json(body): Json<Rotation>,
) -> Result<Response, ApiError> {
    let app = load(&state, &client_id).await?;
    if !app.secrets.iter().any(|s| s.id == secret_id) {
        return Err(ApiError::NotFound("secret"));
    }
    if_match.check(&App::of(&app, &state.catalog).etag())?;
    let rotation = service::Rotation {
        grace_days: body.grace_days.unwrap_or(service::DEFAULT_GRACE_DAYS),
        description: body.description,
        expires: expiry(body.expires.as_deref())?,
    };
    let done =
        service::rotate_secret(&state, actor(&caller), &app.client_id, secret_id, rotation).await?;
    let body = RotatedSecret {
        secret: CreatedSecret {
            id: done.added.id,
            description: done.added.description,
            client_secret: done.added.secret.expose().to_owned(),
            expires_at: done.added.expires_at.map(rfc3339),
        },
        old_secret_id: secret_id,
        old_expires_at: rfc3339(done.old_expires_at),
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
