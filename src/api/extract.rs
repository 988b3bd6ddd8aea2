//! The admin API's own extractors: a request that cannot be read is a problem document (400, 415),
//! never axum's plain text; JSON bodies refuse unknown fields; writes carry `If-Match`.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use super::problem::ApiError;

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

/// A JSON body (`application/json`), read into `T`.
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
        serde_path_to_error::deserialize(de)
            .map(Self)
            .map_err(|e| ApiError::BadRequest(format!("the JSON body is not valid: {e}")))
    }
}

/// `If-Match`, which every write of an existing app needs: 428 without it.
pub struct IfMatch(pub String);

impl<S: Send + Sync> FromRequestParts<S> for IfMatch {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let value = parts
            .headers
            .get(header::IF_MATCH)
            .ok_or(ApiError::PreconditionRequired)?;
        let value = value
            .to_str()
            .map_err(|_| ApiError::BadRequest("If-Match is not valid".into()))?;
        Ok(Self(value.to_owned()))
    }
}

impl IfMatch {
    /// Whether the header matches `etag` (strong comparison, RFC 9110 §13.1.1): `*`, or one of its
    /// comma-separated entity tags equal to it. A weak tag never matches.
    pub fn matches(&self, etag: &str) -> bool {
        self.0.trim() == "*" || self.0.split(',').any(|tag| tag.trim() == etag)
    }

    /// `Ok` when the header matches `etag`, else 412.
    pub fn check(&self, etag: &str) -> Result<(), ApiError> {
        if self.matches(etag) {
            Ok(())
        } else {
            Err(ApiError::PreconditionFailed)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_match_compares_strongly() {
        let tag = "\"abc\"";
        assert!(IfMatch("\"abc\"".into()).matches(tag));
        assert!(IfMatch("\"x\", \"abc\"".into()).matches(tag));
        assert!(IfMatch(" * ".into()).matches(tag));
        assert!(!IfMatch("W/\"abc\"".into()).matches(tag));
        assert!(!IfMatch("abc".into()).matches(tag));
    }
}
