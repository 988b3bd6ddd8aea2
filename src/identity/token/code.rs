//! The authorization-code exchange (RFC 6749 §4.1.3, PKCE of RFC 7636): a store app trades the code a
//! person's consent produced for tokens, creating the grant every later token of the family names.

use time::OffsetDateTime;

use super::TokenResponse;
use super::person::{self, FreshRefresh, IdTokenFor, has};
use crate::domain::{AppKind, token_hash};
use crate::identity::IdentityState;
use crate::identity::client_auth::AuthenticatedClient;
use crate::identity::error::OAuthError;
use crate::identity::params::Params;
use crate::identity::pkce;
use crate::store::{AuthorizationCode, CodeRedemption, NewGrant};

pub(super) async fn exchange(
    state: &IdentityState,
    client: &AuthenticatedClient,
    params: &Params,
) -> Result<TokenResponse, OAuthError> {
    if client.kind != AppKind::Store {
        return Err(OAuthError::UnauthorizedClient(
            "this client may not use the authorization_code grant",
        ));
    }
    let code = params
        .single("code")?
        .ok_or(OAuthError::InvalidRequest("code is required"))?;
    let redirect_uri = params.single("redirect_uri")?;
    let verifier = params.single("code_verifier")?;
    let code_hash = token_hash(code);
    // Redeeming marks the code used whatever follows: a code that failed a check below is spent too,
    // so nobody gets a second try at its redirect URI or verifier.
    let code = match state.store.redeem_code(&code_hash).await? {
        CodeRedemption::Fresh(code) => code,
        CodeRedemption::Reused => {
            return Err(OAuthError::InvalidGrant(
                "the authorization code was already used",
            ));
        }
        CodeRedemption::Unknown => {
            return Err(OAuthError::InvalidGrant(
                "the authorization code is unknown",
            ));
        }
    };
    let at = state.clock.now();
    check(&code, client, redirect_uri, verifier, at)?;

    // The app may have lost scopes since the person consented.
    let scopes: Vec<String> = code
        .scopes
        .iter()
        .filter(|s| has(&client.scopes, s))
        .cloned()
        .collect();
    let access_end = at + state.config.token_lifetime;
    let offline = has(&scopes, "offline_access");
    let grant_end = if offline {
        at + state.config.refresh_token_lifetime
    } else {
        access_end
    };
    let refresh = offline.then(FreshRefresh::new);
    let refresh_row = refresh
        .as_ref()
        .map(|r| r.row(&scopes, person::refresh_end(state, at, grant_end)));
    let grant_id = state
        .store
        .create_grant(
            &NewGrant {
                code_hash: &code_hash,
                app_id: code.app_id,
                user_id: code.user_id,
                scopes: &scopes,
                auth_time: code.auth_time,
                expires_at: grant_end,
            },
            refresh_row.as_ref(),
        )
        .await?;
    let grant = state
        .store
        .grant(grant_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("grant {grant_id} vanished as it was created"))?;
    if !grant.active_at(at) {
        // The person was disabled after consenting: nothing may be issued for them.
        state.store.revoke_grant(grant_id).await?;
        return Err(OAuthError::InvalidGrant(
            "the person who authorized this code can no longer sign in",
        ));
    }
    let id_token = has(&scopes, "openid").then(|| IdTokenFor {
        nonce: code.nonce.as_deref(),
        profile: has(&scopes, "profile"),
    });
    tracing::info!(client_id = %grant.client_id, grant = grant_id, "authorization code exchanged");
    person::respond(
        state,
        at,
        &grant,
        scopes,
        id_token,
        refresh,
        super::gate::lifetime(state, client),
    )
}

/// The code's bindings: its client, its lifetime, its redirect URI and its PKCE challenge.
fn check(
    code: &AuthorizationCode,
    client: &AuthenticatedClient,
    redirect_uri: Option<&str>,
    verifier: Option<&str>,
    at: OffsetDateTime,
) -> Result<(), OAuthError> {
    if code.client_id != client.client_id {
        return Err(OAuthError::InvalidGrant(
            "the authorization code was issued to another client",
        ));
    }
    if at >= code.expires_at {
        return Err(OAuthError::InvalidGrant(
            "the authorization code has expired",
        ));
    }
    match redirect_uri {
        // RFC 6749 §4.1.3: required when the authorization request named one.
        None if code.redirect_uri_sent => {
            return Err(OAuthError::InvalidGrant(
                "redirect_uri is required: the authorization request named one",
            ));
        }
        Some(uri) if uri != code.redirect_uri => {
            return Err(OAuthError::InvalidGrant(
                "redirect_uri differs from the one the code was sent to",
            ));
        }
        _ => {}
    }
    pkce::check(code.code_challenge.as_deref(), verifier)
        .map_err(|failure| OAuthError::InvalidGrant(failure.description()))
}
