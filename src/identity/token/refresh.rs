//! The refresh-token grant (RFC 6749 §6), only for the authorization-code flow: one-time refresh
//! tokens with rotation; a used one presented again ends its whole family (RFC 9700 §4.14.2).

use super::TokenResponse;
use super::person::{self, FreshRefresh, IdTokenFor, has};
use crate::domain::{AppKind, token_hash};
use crate::identity::IdentityState;
use crate::identity::client_auth::AuthenticatedClient;
use crate::identity::error::OAuthError;
use crate::identity::params::Params;
use crate::store::RefreshUse;

pub(super) async fn refresh(
    state: &IdentityState,
    client: &AuthenticatedClient,
    params: &Params,
    requested: Option<&str>,
) -> Result<TokenResponse, OAuthError> {
    if client.kind != AppKind::Store {
        return Err(OAuthError::UnauthorizedClient(
            "this client may not use the refresh_token grant",
        ));
    }
    let presented = params
        .single("refresh_token")?
        .ok_or(OAuthError::InvalidRequest("refresh_token is required"))?;
    let hash = token_hash(presented);
    // Another client's token is refused before it is used: a client must not be able to spend (or,
    // by presenting it twice, revoke) a family that is not its own.
    let Some(grant_id) = state.store.refresh_token_grant(&hash).await? else {
        return Err(OAuthError::InvalidGrant("the refresh token is unknown"));
    };
    let owner = state.store.grant(grant_id).await?;
    let Some(owner) = owner.filter(|g| g.client_id == client.client_id) else {
        return Err(OAuthError::InvalidGrant(
            "the refresh token was issued to another client",
        ));
    };
    // A scope the family never had is the client's mistake: refused before the token is spent, so
    // the client keeps its family. (Each refresh token holds its grant's scopes.)
    narrow(&owner.scopes, requested)?;
    let (token_scopes, token_end, grant) = match state.store.use_refresh_token(&hash).await? {
        RefreshUse::Fresh {
            scopes,
            expires_at,
            grant,
        } => (scopes, expires_at, grant),
        RefreshUse::Reused => {
            return Err(OAuthError::InvalidGrant(
                "the refresh token was already used; its grant is revoked",
            ));
        }
        RefreshUse::Unknown => {
            return Err(OAuthError::InvalidGrant("the refresh token is unknown"));
        }
    };
    let at = state.clock.now();
    if !grant.active_at(at) {
        return Err(OAuthError::InvalidGrant(
            "the grant of this refresh token has ended or was revoked",
        ));
    }
    if at >= token_end {
        return Err(OAuthError::InvalidGrant("the refresh token has expired"));
    }
    let narrowed = narrow(&token_scopes, requested)?;
    // The app may have lost scopes since; what it lost is not issued again.
    let scopes: Vec<String> = narrowed
        .into_iter()
        .filter(|s| has(&client.scopes, s))
        .collect();

    // The next token of the family keeps the family's scopes, whatever this access token narrowed to.
    let next = FreshRefresh::new();
    let row = next.row(
        &token_scopes,
        person::refresh_end(state, at, grant.expires_at),
    );
    state.store.add_refresh_token(grant.id, &row).await?;
    let id_token = has(&token_scopes, "openid").then(|| IdTokenFor {
        nonce: None,
        profile: has(&token_scopes, "profile"),
    });
    person::respond(
        state,
        at,
        &grant,
        scopes,
        id_token,
        Some(next),
        super::gate::lifetime(state, client),
    )
}

/// The access token's scopes: the refresh token's, or (RFC 6749 §6) a subset the client asks for.
fn narrow(token_scopes: &[String], requested: Option<&str>) -> Result<Vec<String>, OAuthError> {
    let wanted: Vec<&str> = requested
        .unwrap_or_default()
        .split(' ')
        .filter(|s| !s.is_empty())
        .collect();
    if wanted.is_empty() {
        return Ok(token_scopes.to_vec());
    }
    if let Some(extra) = wanted.iter().find(|w| !has(token_scopes, w)) {
        return Err(OAuthError::InvalidScope(format!(
            "the scope {extra:?} was not granted with this refresh token"
        )));
    }
    // In the family's (catalog) order, each once.
    Ok(token_scopes
        .iter()
        .filter(|s| wanted.contains(&s.as_str()))
        .cloned()
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scopes(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn narrowing_keeps_order_and_refuses_widening() {
        let family = scopes(&[
            "setup.read",
            "reservations.read",
            "openid",
            "offline_access",
        ]);
        assert_eq!(narrow(&family, None).ok(), Some(family.clone()));
        assert_eq!(
            narrow(&family, Some("openid  setup.read openid")).ok(),
            Some(scopes(&["setup.read", "openid"]))
        );
        assert!(matches!(
            narrow(&family, Some("setup.read folios.read")),
            Err(OAuthError::InvalidScope(_))
        ));
    }
}
