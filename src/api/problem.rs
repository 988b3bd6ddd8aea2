//! The admin API's one error type: RFC 9457 problem details (`application/problem+json`), with the
//! Bearer challenges of RFC 6750 §3 on 401 and 403, and a field list for validation failures.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::http::NO_STORE;

/// An RFC 9457 problem: `type` names the kind (a `urn:frontdesk:problem:` URN, or `about:blank` when
/// the status says it all), `title` is the same for every problem of a type, `detail` this occurrence.
#[derive(Serialize, ToSchema, Debug)]
#[schema(title = "Problem")]
pub struct Problem {
    #[serde(rename = "type")]
    #[schema(example = "urn:frontdesk:problem:validation")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// With 422 (validation): one entry per refused field.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldProblem>,
}

/// A refused field of a request body.
#[derive(Serialize, ToSchema, Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    /// The field's name in the request body.
    pub field: String,
    pub message: String,
}

impl FieldProblem {
    pub fn new(field: &str, message: impl Into<String>) -> Self {
        Self {
            field: field.to_owned(),
            message: message.into(),
        }
    }
}

#[derive(Debug)]
pub enum ApiError {
    /// No `Authorization: Bearer` at all: 401 with a bare challenge (RFC 6750 §3.1).
    NoToken,
    /// The token is not one this API accepts (malformed, foreign, expired, revoked, a person's).
    InvalidToken,
    /// The token lacks this scope: 403.
    InsufficientScope(&'static str),
    /// The caller may not do this, whatever its scopes (granting a scope it does not hold).
    Forbidden(String),
    NotFound(&'static str),
    /// An unreadable request: query, path or JSON that does not parse.
    BadRequest(String),
    /// A readable request whose fields are refused: 422 with the list.
    Invalid(Vec<FieldProblem>),
    /// The request conflicts with the resource's state (deleting the caller itself, too many secrets).
    Conflict(String),
    /// A write without `If-Match` (RFC 6585 §3).
    PreconditionRequired,
    /// `If-Match` names another version of the app.
    PreconditionFailed,
    TooManyRequests {
        retry_after_secs: u64,
    },
    /// Raised by shared machinery (405, 413, 415, an address no route has).
    Shared(StatusCode),
    /// Something on our side: logged, not shown.
    Server(anyhow::Error),
}

impl From<anyhow::Error> for ApiError {
    fn from(e: anyhow::Error) -> Self {
        Self::Server(e)
    }
}

impl From<crate::store::StoreError> for ApiError {
    fn from(e: crate::store::StoreError) -> Self {
        Self::Server(e.into())
    }
}

impl ApiError {
    /// (status, type, title, detail) of this error.
    fn parts(&self) -> (StatusCode, &'static str, &'static str, String) {
        use StatusCode as S;
        match self {
            Self::NoToken => (
                S::UNAUTHORIZED,
                "urn:frontdesk:problem:no-token",
                "An access token is required",
                "send an access token obtained with client credentials: Authorization: Bearer"
                    .into(),
            ),
            Self::InvalidToken => (
                S::UNAUTHORIZED,
                "urn:frontdesk:problem:invalid-token",
                "The access token is not valid",
                "the access token is malformed, expired, revoked, or was not obtained by an app with client credentials".into(),
            ),
            Self::InsufficientScope(scope) => (
                S::FORBIDDEN,
                "urn:frontdesk:problem:insufficient-scope",
                "The access token lacks a scope",
                format!("this operation needs the scope {scope}"),
            ),
            Self::Forbidden(why) => (
                S::FORBIDDEN,
                "urn:frontdesk:problem:forbidden",
                "Not allowed",
                why.clone(),
            ),
            Self::NotFound(what) => (
                S::NOT_FOUND,
                "urn:frontdesk:problem:not-found",
                "Not found",
                format!("there is no such {what}"),
            ),
            Self::BadRequest(why) => (
                S::BAD_REQUEST,
                "urn:frontdesk:problem:bad-request",
                "The request could not be read",
                why.clone(),
            ),
            Self::Invalid(_) => (
                S::UNPROCESSABLE_ENTITY,
                "urn:frontdesk:problem:validation",
                "Some fields were refused",
                "see errors: one entry per refused field".into(),
            ),
            Self::Conflict(why) => (
                S::CONFLICT,
                "urn:frontdesk:problem:conflict",
                "Conflict",
                why.clone(),
            ),
            Self::PreconditionRequired => (
                S::PRECONDITION_REQUIRED,
                "urn:frontdesk:problem:if-match-required",
                "If-Match is required",
                "send If-Match with the ETag of the app, as the last GET of it returned".into(),
            ),
            Self::PreconditionFailed => (
                S::PRECONDITION_FAILED,
                "urn:frontdesk:problem:stale-etag",
                "The app has changed",
                "the app has changed since the ETag sent in If-Match: GET it again".into(),
            ),
            Self::TooManyRequests { retry_after_secs } => (
                S::TOO_MANY_REQUESTS,
                "urn:frontdesk:problem:rate-limited",
                "Too many requests",
                format!("this client has sent too many requests; retry after {retry_after_secs} seconds"),
            ),
            Self::Shared(status) => (
                *status,
                "about:blank",
                status.canonical_reason().unwrap_or("Error"),
                shared_detail(*status),
            ),
            Self::Server(e) if crate::store::unavailable(e) => (
                S::SERVICE_UNAVAILABLE,
                "about:blank",
                "Service Unavailable",
                "the server cannot reach its database; retry shortly".into(),
            ),
            Self::Server(_) => (
                S::INTERNAL_SERVER_ERROR,
                "about:blank",
                "Internal Server Error",
                "the server could not complete the request".into(),
            ),
        }
    }
}

fn shared_detail(status: StatusCode) -> String {
    match status {
        StatusCode::NOT_FOUND => "there is no operation at this address".into(),
        StatusCode::METHOD_NOT_ALLOWED => "this address does not accept this method".into(),
        StatusCode::PAYLOAD_TOO_LARGE => format!(
            "the request body is larger than {} KiB",
            crate::http::MAX_BODY_BYTES / 1024
        ),
        _ => format!(
            "the request could not be read ({})",
            status.canonical_reason().unwrap_or("error")
        ),
    }
}

const REALM: &str = "Bearer realm=\"frontdesk\"";

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, kind, title, detail) = self.parts();
        if let Self::Server(e) = &self {
            tracing::error!(error = %format!("{e:#}"), "admin API request failed");
        }
        let problem = Problem {
            kind: kind.into(),
            title: title.into(),
            status: status.as_u16(),
            detail,
            errors: match self {
                Self::Invalid(ref fields) => fields.clone(),
                _ => Vec::new(),
            },
        };
        let body = serde_json::to_vec(&problem).unwrap_or_default();
        let mut response = (
            status,
            NO_STORE,
            [(header::CONTENT_TYPE, "application/problem+json")],
            body,
        )
            .into_response();
        let challenge = match &self {
            Self::NoToken => Some(REALM.to_owned()),
            Self::InvalidToken => Some(format!("{REALM}, error=\"invalid_token\"")),
            Self::InsufficientScope(scope) => Some(format!(
                "{REALM}, error=\"insufficient_scope\", scope=\"{scope}\""
            )),
            _ => None,
        };
        let headers = response.headers_mut();
        if let Some(value) = challenge.and_then(|c| HeaderValue::from_str(&c).ok()) {
            headers.insert(header::WWW_AUTHENTICATE, value);
        }
        match self {
            Self::TooManyRequests { retry_after_secs } => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
            }
            Self::Server(e) if crate::store::unavailable(&e) => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
            }
            _ => {}
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenges_follow_rfc_6750() {
        let r = ApiError::NoToken.into_response();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(r.headers()[header::WWW_AUTHENTICATE], REALM);
        assert_eq!(
            r.headers()[header::CONTENT_TYPE],
            "application/problem+json"
        );
        let r = ApiError::InsufficientScope("frontdesk:apps.manage").into_response();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        assert_eq!(
            r.headers()[header::WWW_AUTHENTICATE],
            "Bearer realm=\"frontdesk\", error=\"insufficient_scope\", scope=\"frontdesk:apps.manage\""
        );
        let r = ApiError::TooManyRequests {
            retry_after_secs: 3,
        }
        .into_response();
        assert_eq!(r.headers()[header::RETRY_AFTER], "3");
    }
}
