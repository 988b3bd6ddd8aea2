//! What the token endpoint checks once a client has proved its secret, for every grant: the app is not
//! suspended and asks from an address it allows. Said only after the proof, so a wrong secret learns
//! nothing about the app.

use std::net::IpAddr;

use crate::domain::AuditEvent;
use crate::domain::audit::Refusal;
use crate::identity::IdentityState;
use crate::identity::client_auth::AuthenticatedClient;
use crate::identity::error::OAuthError;
use crate::store::AuditEntry;

pub(super) const SUSPENDED: &str = "this client is suspended";
pub(super) const ADDRESS_NOT_ALLOWED: &str = "this client may not request tokens from this address";

pub(super) async fn admit(
    state: &IdentityState,
    client: &AuthenticatedClient,
    addr: Option<IpAddr>,
) -> Result<(), OAuthError> {
    if client.suspended {
        return Err(OAuthError::ClientRefused {
            basic: client.basic,
            why: SUSPENDED,
        });
    }
    if !client.allowed_addresses.allows(addr) {
        if state
            .identity
            .refusals
            .should_record(&client.client_id, addr)
        {
            let label = format!("app:{}", client.client_id);
            let entry = AuditEntry {
                actor_id: None,
                actor_email: Some(&label),
                source_addr: addr.map(|a| a.to_string()),
                client_id: Some(&client.client_id),
                event: AuditEvent::TokenRefused(Refusal {
                    reason: "address_not_allowed".to_owned(),
                    address: addr.map(|a| a.to_canonical().to_string()),
                }),
            };
            state.store.record_event(entry).await?;
        }
        tracing::info!(client_id = %client.client_id, addr = ?addr, "token refused: address not allowed");
        return Err(OAuthError::ClientRefused {
            basic: client.basic,
            why: ADDRESS_NOT_ALLOWED,
        });
    }
    Ok(())
}

/// The lifetime of an access token issued to `client` now: its own, or the server's.
pub(super) fn lifetime(state: &IdentityState, client: &AuthenticatedClient) -> i64 {
    let server = i64::try_from(state.config.token_lifetime.as_secs()).unwrap_or(3600);
    // Never beyond the server's: the setting may have been lowered since the app's was chosen.
    client
        .token_lifetime_seconds
        .map_or(server, |own| own.min(server))
}
