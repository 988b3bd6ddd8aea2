//! Registering a checked app of either kind: its first secret generated and hashed, the app and the audit
//! row written together, and the one page that shows the secret.

use axum::response::Response;

use super::audit_entry;
use super::create::Valid;
use super::form::{CredentialsPage, credentials_response, token_curl};
use crate::domain::audit::AppRegistration;
use crate::domain::{AppKind, AuditEvent, ClientId, PasswordHasher, SecretValue, StoreSettings};
use crate::store::{Constraint, NewApp, NewSecret, StoreError};
use crate::web::WebState;
use crate::web::error::AppError;

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
    let account = &state.config.account_code;
    let secret = SecretValue::generate();
    let secret_hash = PasswordHasher.hash_async(secret.clone()).await?;

    let kind = if store.is_some() {
        AppKind::Store
    } else {
        AppKind::Custom
    };
    let client_id = ClientId::of(kind, account, &valid.client_code);
    let new_app = NewApp {
        account,
        client_code: &valid.client_code,
        client_id: &client_id,
        client_name: &valid.client_name,
        pii_mode: valid.pii_mode,
        scopes: &valid.scopes,
        secret: NewSecret {
            description: &valid.secret_description,
            lookup_id: secret.lookup_id(),
            hash: &secret_hash,
        },
        created_by: Some(user.user.id),
        store: store.as_ref(),
    };
    let audit = audit_entry(
        user,
        source_addr,
        client_id.as_str(),
        AuditEvent::AppCreated(AppRegistration {
            client_code: valid.client_code.as_str().to_owned(),
            client_name: valid.client_name.clone(),
            pii_mode: valid.pii_mode,
            scopes: valid.scopes.clone(),
            secret_description: valid.secret_description.clone(),
            store: store.clone().map(Box::new),
        }),
    );
    match state.store.create_app(new_app, audit).await {
        Ok(()) => {}
        // Another request took the code between our check and our insert (the client ID is made of
        // the account and client codes, so its key says the same).
        Err(StoreError::Duplicate(Constraint::ClientCode | Constraint::ClientId)) => {
            return Ok(None);
        }
        Err(e) => return Err(e.into()),
    }
    tracing::info!(client_id = %client_id, user_id = user.user.id, kind = kind.as_str(), "app created");

    credentials_response(&CredentialsPage {
        layout: user.layout(nav),
        heading: format!("{} is registered", valid.client_name),
        // A store app cannot use the client-credentials grant: no command to show.
        token_curl: match kind {
            AppKind::Custom => token_curl(
                &state.config.public_url,
                client_id.as_str(),
                secret.expose(),
            ),
            AppKind::Store => String::new(),
        },
        client_id: client_id.to_string(),
        client_secret: secret.expose().to_owned(),
    })
    .map(Some)
}
