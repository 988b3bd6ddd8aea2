//! The third front door: the admin API under `/api/v1`, JSON for programs that manage apps. A resource
//! server for frontdesk's own access tokens (`auth`), answering in RFC 9457 problem details (`problem`),
//! described by an OpenAPI 3.1 document made from the same attributes that route it (`openapi`). It
//! stands on the core and the signing room, and imports neither of the other doors.

mod activity;
mod apps;
mod auth;
mod extract;
mod openapi;
mod problem;
mod secrets;
mod state;
mod view;
mod write;

use std::sync::Arc;

use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use auth::{MANAGE_SCOPE, READ_SCOPE, REQUESTS_PER_MINUTE, RateLimit};
pub use problem::ApiError;

use crate::http::NO_STORE;
use crate::http::door::door;
use crate::signing::KeyRing;
use crate::state::Core;

/// Where the admin API lives.
pub const PREFIX: &str = "/api/v1";

/// What the admin API's handlers see: the core, the published keys its tokens are checked against,
/// the per-client rate limit, and its own OpenAPI document.
#[derive(Clone)]
pub struct ApiState {
    pub core: Core,
    pub keys: Arc<KeyRing>,
    pub limits: Arc<RateLimit>,
    pub document: Arc<utoipa::openapi::OpenApi>,
}

impl std::ops::Deref for ApiState {
    type Target = Core;

    fn deref(&self) -> &Core {
        &self.core
    }
}

/// Every operation: each `routes!` adds the handlers' routes and their `#[utoipa::path]` operations
/// together, so the router and the document cannot name different things (tests/it/api_doc.rs).
fn operations() -> OpenApiRouter<ApiState> {
    OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .routes(routes!(apps::list_apps, write::create_app))
        .routes(routes!(apps::get_app, write::update_app, write::delete_app))
        .routes(routes!(secrets::list_secrets, secrets::add_secret))
        .routes(routes!(secrets::delete_secret))
        .routes(routes!(secrets::rotate_secret))
        .routes(routes!(state::suspend_app))
        .routes(routes!(state::resume_app))
        .routes(routes!(state::revoke_tokens))
        .routes(routes!(activity::list_activity))
        .routes(routes!(activity::export_activity))
        .routes(routes!(openapi::openapi_json))
}

/// The OpenAPI document of a server at `public_url`.
pub fn document(public_url: &str) -> utoipa::openapi::OpenApi {
    let (_, doc) = operations().split_for_parts();
    openapi::document(doc, public_url)
}

/// The admin API's routes, each answering in problem details whatever fails.
pub fn router(core: Core, keys: Arc<KeyRing>, limits: Arc<RateLimit>) -> Router {
    let (routes, doc) = operations().split_for_parts();
    let document = Arc::new(openapi::document(doc, &core.config.public_url));
    let state = ApiState {
        core,
        keys,
        limits,
        document,
    };
    door(routes, |status| ApiError::Shared(status).into_response()).with_state(state)
}

/// Whether an address belongs to this door, so that even a path no route has gets a problem document.
pub fn owns(path: &str) -> bool {
    path == PREFIX || path.starts_with("/api/v1/")
}

/// The answer for an address under this door that no route has.
pub fn not_found() -> Response {
    ApiError::Shared(StatusCode::NOT_FOUND).into_response()
}

/// `value` as a `200 OK` JSON answer that no cache keeps.
fn json(value: &impl Serialize) -> Response {
    (NO_STORE, axum::Json(value)).into_response()
}

/// `value` as a JSON answer with `status`.
fn json_with(status: StatusCode, value: &impl Serialize) -> Response {
    (status, NO_STORE, axum::Json(value)).into_response()
}
