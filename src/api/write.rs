//! Writing apps: create (the secret shown once), change and delete. An app cannot grant a scope it
//! does not hold itself (403: a question of authority, not of the request's form), nor delete itself
//! (409). Changes to an existing app need `If-Match` with its ETag (428 without, 412 when stale).

use std::collections::BTreeSet;

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::apps::{app_response, load};
use super::auth::{Caller, Manager};
use super::extract::{IfMatch, Json, Path};
use super::problem::{ApiError, FieldProblem};
use super::view::{App, Pii};
use super::{ApiState, json_with};
use crate::domain::SecretExpiry;
use crate::service::apps::{self as service, Actor, NewAppInput, ServiceError};

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::Invalid(fields) => Self::Invalid(
                fields
                    .into_iter()
                    .map(|f| FieldProblem::new(f.field, f.message))
                    .collect(),
            ),
            ServiceError::NotFound => Self::NotFound("app"),
            ServiceError::Conflict(why) => Self::Conflict(why),
            ServiceError::Store(e) => Self::Server(e.into()),
            ServiceError::Other(e) => Self::Server(e),
        }
    }
}

pub fn actor(caller: &Caller) -> Actor<'_> {
    Actor::App {
        client_id: &caller.client_id,
        addr: caller.addr,
    }
}

/// Refuses scopes of the catalog that the calling app does not hold itself (names the catalog does
/// not know are left to validation, which answers 422 for them).
async fn may_grant(state: &ApiState, caller: &Caller, scopes: &[String]) -> Result<(), ApiError> {
    let own = load(state, &caller.client_id).await?;
    let held: BTreeSet<&str> = own.scopes.iter().map(String::as_str).collect();
    let missing: Vec<&str> = scopes
        .iter()
        .map(|s| s.trim())
        .filter(|s| state.catalog.contains(s) && !held.contains(s))
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Forbidden(format!(
            "an app cannot grant scopes it does not hold itself: {}",
            missing.join(", ")
        )))
    }
}

/// A new custom app.
#[derive(Deserialize, ToSchema, Debug)]
#[serde(deny_unknown_fields)]
pub struct NewApp {
    /// Letters, digits and `_`; upper-cased. Unique in the account.
    #[schema(example = "MY_APP")]
    pub client_code: String,
    pub client_name: String,
    pub pii: Pii,
    /// From the scope catalog, at least one, each held by the calling app.
    pub scopes: Vec<String>,
    /// Names the first secret.
    pub secret_description: String,
    /// When the first secret stops working: `never` (the default), `30d`, `90d`, `1y`, or a date
    /// `YYYY-MM-DD` (the end of that day, UTC; today or later).
    #[serde(default)]
    pub secret_expires: Option<String>,
}

/// The new app, with its first secret: shown this once.
#[derive(Serialize, ToSchema, Debug)]
pub struct CreatedApp {
    #[serde(flatten)]
    pub app: App,
    pub client_secret: String,
}

/// Create a custom app with its first secret.
#[utoipa::path(
    post,
    path = "/api/v1/apps",
    tag = "apps",
    operation_id = "createApp",
    request_body = NewApp,
    responses((
        status = 201,
        description = "Created; client_secret is shown this once",
        body = CreatedApp,
        headers(
            ("Location" = String, description = "The app's address"),
            ("ETag" = String, description = "Strong validator of the app")
        )
    )),
    security(("oauth2" = ["frontdesk:apps.manage"]))
)]
pub async fn create_app(
    Manager(caller): Manager,
    State(state): State<ApiState>,
    Json(body): Json<NewApp>,
) -> Result<Response, ApiError> {
    may_grant(&state, &caller, &body.scopes).await?;
    let secret_expires = match body.secret_expires.as_deref().map(SecretExpiry::parse) {
        None => SecretExpiry::Never,
        Some(Ok(expires)) => expires,
        Some(Err(e)) => {
            let problem = service::FieldError {
                field: "secret_expires",
                message: e.to_owned(),
            };
            return Err(ServiceError::Invalid(vec![problem]).into());
        }
    };
    let input = NewAppInput {
        client_code: body.client_code,
        client_name: body.client_name,
        pii_mode: body.pii.into(),
        scopes: body.scopes,
        secret_description: body.secret_description,
        secret_expires,
    };
    let created = service::create_app(&state, actor(&caller), input, None).await?;
    let app = load(&state, &created.client_id).await?;
    let view = App::of(&app, &state.catalog);
    let etag = view.etag();
    let body = CreatedApp {
        app: view,
        client_secret: created.secret.expose().to_owned(),
    };
    let mut response = json_with(StatusCode::CREATED, &body);
    let location = format!("/api/v1/apps/{}", created.client_id);
    for (name, value) in [(header::LOCATION, location), (header::ETAG, etag)] {
        if let Ok(value) = value.parse() {
            response.headers_mut().insert(name, value);
        }
    }
    Ok(response)
}

/// What to change; a field left out stays as it is.
#[derive(Deserialize, ToSchema, Debug)]
#[serde(deny_unknown_fields)]
pub struct AppPatch {
    pub client_name: Option<String>,
    pub pii: Option<Pii>,
    /// The whole new set, each held by the calling app.
    pub scopes: Option<Vec<String>>,
    /// The app's own access-token lifetime in seconds, 60 up to the server's; `null`: the server's.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>, minimum = 60)]
    pub token_lifetime_seconds: Option<Option<i64>>,
    /// The whole new list of IP addresses and CIDR ranges (at most 50); empty: any address.
    pub allowed_addresses: Option<Vec<String>>,
}

/// A field that is present, `null` included (`Some(None)`); an absent one is `None` by `default`.
fn present<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// Change an app's name, personal-data mode, scopes, access-token lifetime or allowed addresses.
#[utoipa::path(
    patch,
    path = "/api/v1/apps/{client_id}",
    tag = "apps",
    operation_id = "updateApp",
    params(
        ("client_id" = String, Path, description = "The app's client ID"),
        ("If-Match" = String, Header, description = "The app's ETag")
    ),
    request_body = AppPatch,
    responses((
        status = 200,
        description = "The app as changed",
        body = App,
        headers(("ETag" = String, description = "The app's new ETag"))
    )),
    security(("oauth2" = ["frontdesk:apps.manage"]))
)]
pub async fn update_app(
    Manager(caller): Manager,
    State(state): State<ApiState>,
    Path(client_id): Path<String>,
    if_match: IfMatch,
    Json(body): Json<AppPatch>,
) -> Result<Response, ApiError> {
    let app = load(&state, &client_id).await?;
    if_match.check(&App::of(&app, &state.catalog).etag())?;
    if let Some(scopes) = &body.scopes {
        may_grant(&state, &caller, scopes).await?;
    }
    let change = service::AppChange {
        client_name: body.client_name,
        pii_mode: body.pii.map(Into::into),
        scopes: body.scopes,
        token_lifetime_seconds: body.token_lifetime_seconds,
        allowed_addresses: body.allowed_addresses,
        store: None,
    };
    service::edit_app(&state, actor(&caller), &app.client_id, change).await?;
    let app = load(&state, &client_id).await?;
    Ok(app_response(&state, &app).into_response())
}

/// Delete an app with its secrets; its tokens stop working. An app cannot delete itself.
#[utoipa::path(
    delete,
    path = "/api/v1/apps/{client_id}",
    tag = "apps",
    operation_id = "deleteApp",
    params(
        ("client_id" = String, Path, description = "The app's client ID"),
        ("If-Match" = String, Header, description = "The app's ETag")
    ),
    responses((status = 204, description = "Deleted")),
    security(("oauth2" = ["frontdesk:apps.manage"]))
)]
pub async fn delete_app(
    Manager(caller): Manager,
    State(state): State<ApiState>,
    Path(client_id): Path<String>,
    if_match: IfMatch,
) -> Result<Response, ApiError> {
    let app = load(&state, &client_id).await?;
    if_match.check(&App::of(&app, &state.catalog).etag())?;
    if app.client_id == caller.client_id {
        return Err(ApiError::Conflict("an app cannot delete itself".into()));
    }
    service::delete_app(&state, actor(&caller), &app.client_id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
