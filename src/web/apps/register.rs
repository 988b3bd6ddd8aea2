//! Registering a checked app of either kind (by `service::apps::register`, which every door shares) and
//! the one page that shows its secret.

use axum::response::Response;

use super::create::Valid;
use super::form::{CredentialsPage, credentials_response, token_curl};
use crate::domain::StoreSettings;
use crate::service::apps::{self, ServiceError};
use crate::web::WebState;
use crate::web::error::AppError;

/// The dashboard's name for the person acting, for the service's audit rows.
pub fn actor<'a>(
    user: &'a crate::web::CurrentUser,
    addr: Option<std::net::IpAddr>,
) -> apps::Actor<'a> {
    apps::Actor::Person {
        id: user.user.id,
        email: &user.user.email,
        addr,
    }
}

/// A service failure the dashboard has no field for: a vanished app is the 404 page, the rest a 500.
pub fn unexpected(e: ServiceError) -> AppError {
    match e {
        ServiceError::NotFound => AppError::NotFound,
        ServiceError::Store(e) => e.into(),
        ServiceError::Other(e) => e.into(),
        ServiceError::Invalid(_) | ServiceError::Conflict(_) => anyhow::Error::new(e).into(),
    }
}

/// Stores a checked app of either kind (a store app when `store` is `Some`) with a new secret and the
/// audit row, and answers with the one page that shows the secret. `None` when the client code was
/// taken meanwhile.
pub async fn register(
    state: &WebState,
    user: &crate::web::CurrentUser,
    source_addr: Option<std::net::IpAddr>,
    valid: Valid,
    store: Option<StoreSettings>,
    nav: &'static str,
) -> Result<Option<Response>, AppError> {
    let client_name = valid.client_name.clone();
    let is_store = store.is_some();
    let created =
        match apps::register(&state.core, actor(user, source_addr), valid, store, None).await {
            Ok(created) => created,
            Err(ServiceError::Invalid(_)) => return Ok(None),
            Err(e) => return Err(unexpected(e)),
        };
    credentials_response(&CredentialsPage {
        layout: user.layout(nav),
        heading: format!("{client_name} is registered"),
        // A store app cannot use the client-credentials grant: no command to show.
        token_curl: if is_store {
            String::new()
        } else {
            token_curl(
                &state.config.public_url,
                &created.client_id,
                created.secret.expose(),
            )
        },
        client_id: created.client_id,
        client_secret: created.secret.expose().to_owned(),
    })
    .map(Some)
}
