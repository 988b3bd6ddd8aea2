//! Whether an access token is active now, as introspection, revocation and userinfo ask: ours,
//! unexpired, not revoked, its app neither suspended nor revoked since it was issued (`AppStanding`,
//! which the admin API checks too), and its source still standing (the secret that obtained it, or
//! the person's grant it was issued from).

use super::IdentityState;
use super::error::OAuthError;
use crate::signing::jti;
use crate::signing::jwt::AccessClaims;
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
    let at = state.clock.now();
    let verified = state
        .identity
        .keys
        .verify_access(&state.store, token, &state.config.public_url, at)
        .await
        .map_err(OAuthError::Server)?;
    let Some(claims) = verified else {
        return Ok(None);
    };
    let (standing, grant) = if let Some(secret_id) = jti::secret_id_of(&claims.jti) {
        let standing = state
            .store
            .secret_standing(&claims.client_id, secret_id)
            .await?;
        (standing, None)
    } else if let Some(grant_id) = jti::grant_id_of(&claims.jti) {
        match state.store.grant(grant_id).await? {
            Some(grant) if grant.active_at(at) && grant.client_id == claims.client_id => (
                state.store.app_standing(&claims.client_id).await?,
                Some(grant),
            ),
            _ => return Ok(None),
        }
    } else {
        return Ok(None);
    };
    if !standing.is_some_and(|s| s.admits(claims.iat)) {
        return Ok(None);
    }
    if state.store.token_is_revoked(&claims.jti).await? {
        return Ok(None);
    }
    Ok(Some(ActiveToken { claims, grant }))
}
