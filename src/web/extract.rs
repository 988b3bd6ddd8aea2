//! Our own extractors: who is asking (`CurrentUser`, `AccountAdmin`), from where (`ClientAddr`), and
//! forms whose rejections become friendly error pages instead of axum's plain text.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode};
use axum::response::IntoResponse;
use serde::de::DeserializeOwned;
use tower_sessions::Session;

use super::session;
use crate::error::AppError;
use crate::state::AppState;
use crate::store::User;

/// A signed-in, enabled user. Anonymous requests are sent to the sign-in page.
pub struct CurrentUser {
    pub user: User,
    pub session: Session,
    pub csrf_token: String,
    /// A confirmation left by the previous request, shown on this page.
    pub flash: Option<String>,
}

async fn session_of(parts: &mut Parts, state: &AppState) -> Result<Session, AppError> {
    Session::from_request_parts(parts, state)
        .await
        .map_err(|(_, msg)| AppError::Internal(anyhow::anyhow!(msg)))
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let session = session_of(parts, state).await?;
        // Only a page asked for with GET is worth returning to after sign-in.
        let next = if parts.method == Method::GET {
            parts
                .uri
                .path_and_query()
                .map(|p| p.as_str().to_owned())
                .unwrap_or_default()
        } else {
            String::new()
        };
        let Some((user_id, auth_hash)) = session::signed_in_user(&session).await? else {
            return Err(AppError::SignInRequired { next });
        };
        match state.store.user_by_id(user_id).await? {
            Some(user) if user.enabled && session::still_valid(&auth_hash, &user.password_hash) => {
                let csrf_token = session::csrf_token(&session).await?;
                let flash = if parts.method == Method::GET {
                    session::take_flash(&session).await?
                } else {
                    None
                };
                Ok(Self {
                    user,
                    session,
                    csrf_token,
                    flash,
                })
            }
            // Deleted, disabled, or password changed since: this session is over.
            _ => {
                session::sign_out(&session).await?;
                Err(AppError::SignInRequired { next })
            }
        }
    }
}

/// A signed-in account admin; anyone else signed in gets the 403 page.
pub struct AccountAdmin(pub CurrentUser);

impl FromRequestParts<AppState> for AccountAdmin {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let current = CurrentUser::from_request_parts(parts, state).await?;
        if current.user.is_admin {
            Ok(Self(current))
        } else {
            Err(AppError::Forbidden)
        }
    }
}

/// The peer address of the connection, when the server was started with connect info.
pub struct ClientAddr(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|ConnectInfo(addr)| addr.ip()),
        ))
    }
}

/// `application/x-www-form-urlencoded` bodies, repeated keys allowed (`scopes=a&scopes=b`).
pub struct Form<T>(pub T);

impl<T, S> FromRequest<S> for Form<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        match axum_extra::extract::Form::<T>::from_request(req, state).await {
            Ok(axum_extra::extract::Form(value)) => Ok(Self(value)),
            Err(rejection) => {
                let status = rejection.into_response().status();
                let message = match status {
                    StatusCode::PAYLOAD_TOO_LARGE => {
                        "The form sent more data than frontdesk accepts (64 KiB); nothing was changed."
                    }
                    StatusCode::UNSUPPORTED_MEDIA_TYPE => {
                        "Send this form as application/x-www-form-urlencoded; nothing was changed."
                    }
                    _ => "The form could not be read; nothing was changed.",
                };
                Err(AppError::Rejected {
                    status,
                    message: message.to_owned(),
                })
            }
        }
    }
}
