//! The dashboard's error type: every failure becomes the site's own HTML error page. Internals are logged,
//! never shown.

use askama::Template;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};

use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Anonymous visit to a page that needs a user: go to sign-in, then come back to `next`.
    #[error("sign-in required")]
    SignInRequired { next: String },
    #[error("forbidden")]
    Forbidden,
    #[error("invalid or missing CSRF token")]
    Csrf,
    #[error("not found")]
    NotFound,
    /// The request could not be read (bad form encoding, wrong content type, too large, ...).
    #[error("request rejected: {message}")]
    Rejected { status: StatusCode, message: String },
    /// The database (or the session store in it) cannot be reached right now: 503, try again.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        Self::Internal(e.into())
    }
}

impl From<tower_sessions::session::Error> for AppError {
    fn from(e: tower_sessions::session::Error) -> Self {
        use tower_sessions::session::Error::Store;
        use tower_sessions::session_store::Error::Backend;
        match e {
            // The session store's backend is the database: it reports failures only as text.
            Store(Backend(why)) => Self::Unavailable(why),
            other => Self::Internal(other.into()),
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    title: &'a str,
    message: &'a str,
    /// Quoted to operators, who find the request's log lines by it.
    request_id: Option<String>,
}

/// Renders an error page with `status`; used by `AppError` and by the fallback handlers.
pub fn error_page(status: StatusCode, title: &str, message: &str) -> Response {
    let body = ErrorPage {
        title,
        message,
        request_id: crate::http::observe::current_request_id().filter(|id| !id.is_empty()),
    }
    .render()
    .unwrap_or_else(|_| format!("{} {title}", status.as_u16()));
    (status, [(header::CACHE_CONTROL, "no-store")], Html(body)).into_response()
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        match self {
            Self::SignInRequired { next } => {
                let target = format!(
                    "/login?{}",
                    serde_urlencoded::to_string([("next", next.as_str())]).unwrap_or_default()
                );
                Redirect::to(&target).into_response()
            }
            Self::Forbidden => error_page(
                StatusCode::FORBIDDEN,
                "Not allowed",
                "Only account admins can do this. Ask an account admin of this account for help.",
            ),
            Self::Csrf => error_page(
                StatusCode::FORBIDDEN,
                "Form expired",
                "This form was sent without a valid security token, so nothing was changed. \
                 Go back, reload the page and try again.",
            ),
            Self::NotFound => error_page(
                StatusCode::NOT_FOUND,
                "Page not found",
                "There is nothing at this address.",
            ),
            Self::Rejected { status, message } => error_page(
                status,
                status.canonical_reason().unwrap_or("Bad request"),
                &message,
            ),
            Self::Unavailable(why) => unavailable(&why),
            Self::Internal(e) if crate::store::unavailable(&e) => unavailable(&format!("{e:#}")),
            Self::Internal(e) => {
                tracing::error!(error = %format!("{e:#}"), "internal error");
                error_page(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong",
                    "frontdesk could not complete the request. The error was logged; try again.",
                )
            }
        }
    }
}

/// The 503 page while the database cannot be reached.
fn unavailable(why: &str) -> Response {
    tracing::error!(error = %why, "database unavailable");
    let mut page = error_page(
        StatusCode::SERVICE_UNAVAILABLE,
        "Temporarily unavailable",
        "frontdesk cannot reach its database right now. Try again in a moment.",
    );
    page.headers_mut().insert(
        header::RETRY_AFTER,
        axum::http::HeaderValue::from_static("5"),
    );
    page
}
