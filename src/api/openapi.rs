//! The OpenAPI 3.1 document: the operations and schemas come from the handlers' `#[utoipa::path]`
//! attributes (the same that route them, see `mod.rs`); this adds what is the same for many of them
//! (the problem responses each may give, by rule below) and what is known only at start (the token
//! URL of the OAuth2 client-credentials scheme).

use axum::extract::State;
use axum::response::Response;
use utoipa::OpenApi;
use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{ClientCredentials, Flow, OAuth2, Scopes, SecurityScheme};
use utoipa::openapi::{Content, Ref, ResponseBuilder};

use super::auth::{MANAGE_SCOPE, READ_SCOPE};
use super::problem::{FieldProblem, Problem};
use super::{ApiState, json};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "frontdesk admin API",
        version = "1",
        description = "Manage frontdesk's apps and read its activity, as a program. Call it with an \
            access token your app obtains with client credentials (POST /connect/token) while it holds \
            frontdesk:apps.read or frontdesk:apps.manage. Errors are RFC 9457 problem details."
    ),
    components(schemas(Problem, FieldProblem)),
    tags(
        (name = "apps", description = "Custom apps"),
        (name = "secrets", description = "An app's client secrets"),
        (name = "activity", description = "The audit log"),
        (name = "meta", description = "This document")
    )
)]
pub struct ApiDoc;

/// Which problems an operation may answer with, by what it does.
fn problems(method: &str, path: &str) -> Vec<(&'static str, &'static str)> {
    let mut out = vec![
        ("400", "The query, path or body could not be read"),
        (
            "401",
            "No access token, or one that is not valid (WWW-Authenticate: Bearer)",
        ),
        (
            "403",
            "The token lacks the scope, or the app may not do this",
        ),
        ("429", "Too many requests from this client (Retry-After)"),
    ];
    if path.contains("{client_id}") {
        out.push(("404", "No such app (or secret)"));
    }
    if matches!(method, "post" | "patch") {
        out.push(("413", "The body is too large"));
        out.push(("415", "The body is not application/json"));
        out.push(("422", "Some fields were refused (see errors)"));
    }
    if method != "get" {
        out.push(("409", "The request conflicts with the app's state"));
    }
    if method != "get" && path.contains("{client_id}") {
        out.push(("412", "If-Match does not match the app's ETag"));
        out.push(("428", "If-Match is missing"));
    }
    out
}

fn add_problems(method: &str, path: &str, operation: &mut Operation) {
    // Operations without a security requirement (this document) answer nothing of the kind.
    if operation.security.as_ref().is_none_or(Vec::is_empty) {
        return;
    }
    for (status, description) in problems(method, path) {
        let response = ResponseBuilder::new()
            .description(description)
            .content(
                "application/problem+json",
                Content::new(Some(Ref::from_schema_name("Problem"))),
            )
            .build();
        operation
            .responses
            .responses
            .entry(status.to_owned())
            .or_insert(response.into());
    }
}

/// The document of `routes` for a server at `public_url`.
pub fn document(mut doc: utoipa::openapi::OpenApi, public_url: &str) -> utoipa::openapi::OpenApi {
    for (path, item) in &mut doc.paths.paths {
        let operations = [
            ("get", &mut item.get),
            ("post", &mut item.post),
            ("put", &mut item.put),
            ("patch", &mut item.patch),
            ("delete", &mut item.delete),
        ];
        for (method, operation) in operations {
            if let Some(operation) = operation {
                add_problems(method, path, operation);
            }
        }
    }
    let scheme = OAuth2::with_description(
        [Flow::ClientCredentials(ClientCredentials::new(
            format!("{public_url}/connect/token"),
            Scopes::from_iter([
                (READ_SCOPE, "Read apps and activity through the admin API"),
                (
                    MANAGE_SCOPE,
                    "Create, change and delete apps through the admin API",
                ),
            ]),
        ))],
        "An access token your app obtains with client credentials",
    );
    doc.components
        .get_or_insert_with(Default::default)
        .add_security_scheme("oauth2", SecurityScheme::OAuth2(scheme));
    doc
}

/// This document.
#[utoipa::path(
    get,
    path = "/api/v1/openapi.json",
    tag = "meta",
    operation_id = "getOpenApi",
    responses((status = 200, description = "The OpenAPI 3.1 document of this API", content_type = "application/json", body = Object))
)]
pub async fn openapi_json(State(state): State<ApiState>) -> Response {
    json(&*state.document)
}
