//! The admin API's own extractors: a request that cannot be read is a problem document (400, 415),
//! never axum's plain text; JSON bodies refuse unknown fields; writes carry `If-Match`.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use super::problem::{ApiError, FieldProblem};

/// The query string, decoded strictly into `T` (unknown fields refused where `T` says so).
pub struct Query<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let query = parts.uri.query().unwrap_or("");
        serde_urlencoded::from_str(query)
            .map(Self)
            .map_err(|e| ApiError::BadRequest(format!("the query string is not valid: {e}")))
    }
}

/// The path's parameters; one that does not parse means there is no such resource.
pub struct Path<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Path<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        #[allow(clippy::disallowed_types)] // wrapped here: its rejection becomes a problem document
        let path = axum::extract::Path::<T>::from_request_parts(parts, state).await;
        path.map(|axum::extract::Path(t)| Self(t))
            .map_err(|_| ApiError::NotFound("resource"))
    }
}

/// A JSON body (`application/json`), read into `T`: 415 for another type, 400 when it is not JSON,
/// 422 with the field when it is JSON of the wrong shape (a missing, unknown or mistyped field).
pub struct Json<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Json<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
        if !is_json {
            return Err(ApiError::Shared(
                axum::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ));
        }
        let body = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|e| ApiError::Shared(e.status()))?;
        let de = &mut serde_json::Deserializer::from_slice(&body);
        serde_path_to_error::deserialize(de).map(Self).map_err(|e| {
            if e.inner().classify() != serde_json::error::Category::Data {
                return ApiError::BadRequest(format!("the body is not JSON: {}", e.inner()));
            }
            // Readable JSON of the wrong shape: a field list, as for any refused field.
            let message = e.inner().to_string();
            let path = e.path().to_string();
            let field = if path == "." {
                // A missing or unknown field is reported at the object: its name is in backquotes.
                message.split('`').nth(1).unwrap_or(".").to_owned()
            } else {
                path
            };
            let message = message
                .split(" at line ")
                .next()
                .unwrap_or_default()
                .to_owned();
            ApiError::Invalid(vec![FieldProblem::new(&field, message)])
        })
    }
}

/// `If-Match`, which every write of an existing app needs. Read whether sent or not, so that an
/// unknown app is 404 before a missing header is 428.
pub struct IfMatch(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for IfMatch {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let Some(value) = parts.headers.get(header::IF_MATCH) else {
            return Ok(Self(None));
        };
        let value = value
            .to_str()
            .map_err(|_| ApiError::BadRequest("If-Match is not valid".into()))?;
        Ok(Self(Some(value.to_owned())))
    }
}

impl IfMatch {
    /// Whether the header matches `etag` (strong comparison, RFC 9110 §13.1.1): `*`, or one of its
    /// comma-separated entity tags equal to it. A weak tag never matches.
    pub fn matches(&self, etag: &str) -> bool {
        self.0
            .as_deref()
            .is_some_and(|v| v.trim() == "*" || v.split(',').any(|tag| tag.trim() == etag))
    }

    /// `Ok` when the header matches `etag`; 428 when it was not sent (RFC 6585 §3), else 412.
    pub fn check(&self, etag: &str) -> Result<(), ApiError> {
        match &self.0 {
            None => Err(ApiError::PreconditionRequired),
            Some(_) if self.matches(etag) => Ok(()),
            Some(_) => Err(ApiError::PreconditionFailed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_match_compares_strongly() {
        let tag = "\"abc\"";
        let header = |v: &str| IfMatch(Some(v.to_owned()));
        assert!(header("\"abc\"").matches(tag));
        assert!(header("\"x\", \"abc\"").matches(tag));
        assert!(header(" * ").matches(tag));
        assert!(!header("W/\"abc\"").matches(tag));
        assert!(!header("abc").matches(tag));
        assert!(matches!(
            IfMatch(None).check(tag),
            Err(ApiError::PreconditionRequired)
        ));
        assert!(matches!(
            header("\"x\"").check(tag),
            Err(ApiError::PreconditionFailed)
        ));
    }
}
