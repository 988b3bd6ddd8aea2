//! Whether an access token is active now, as introspection, revocation and userinfo ask: ours,
//! unexpired, not revoked, its app neither suspended nor revoked since it was issued (`AppStanding`,
//! which the admin API checks too), and its source still standing (the secret that obtained it, or
//! the person's grant it was issued from).

use super::IdentityState;
use super::error::OAuthError;
use crate::signing::jti;
use crate::signing::jwt::{self, AccessClaims};
use crate::store::GrantRow;

/// An active access token's claims, with its grant when a person's grant issued it.
pub struct ActiveToken {
    pub claims: AccessClaims,
    pub grant: Option<GrantRow>,
}

/// `token` if it is active now; `None` for anything else, foreign or malformed input included.
pub async fn active_token(
    state: &IdentityState,
    token: &str,
) -> Result<Option<ActiveToken>, OAuthError> {
    let issuer = &state.config.public_url;
    let at = state.clock.now();
    let now = at.unix_timestamp();
    let keys = state.identity.keys.current();
    let mut verified = jwt::verify(&keys, token, issuer, now);
    if verified.is_none() && jwt::unknown_kid(&keys, token) {
        // Signed by a key another instance has just started with (`FRONTDESK_KEY_ACTIVATION_SECONDS=0`)
        // before this one reloaded its keys: look once. Costs one small query per unknown kid, behind
        // client authentication; a token that verifies never gets here.
        state
            .identity
            .keys
            .reload_if_rotated(&state.store, state.clock.now())
            .await
            .map_err(OAuthError::Server)?;
        verified = jwt::verify(&state.identity.keys.current(), token, issuer, now);
    }
    let Some(claims) = verified else {
        return Ok(None);
    };
    match state.store.app_standing(&claims.client_id).await? {
        Some(standing) if standing.admits(claims.iat) => {}
        _ => return Ok(None),
    }
    let grant = if let Some(secret_id) = jti::secret_id_of(&claims.jti) {
        if !state
            .store
            .secret_is_current(&claims.client_id, secret_id)
            .await?
        {
            return Ok(None);
        }
        None
    } else if let Some(grant_id) = jti::grant_id_of(&claims.jti) {
        match state.store.grant(grant_id).await? {
            Some(grant) if grant.active_at(at) && grant.client_id == claims.client_id => {
                Some(grant)
            }
            _ => return Ok(None),
        }
    } else {
        return Ok(None);
    };
    if state.store.token_is_revoked(&claims.jti).await? {
        return Ok(None);
    }
    Ok(Some(ActiveToken { claims, grant }))
}
