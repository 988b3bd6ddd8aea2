//! The client-credentials grant (RFC 6749 §4.4): a custom app acting on its own.

use super::TokenResponse;
use crate::domain::AppKind;
use crate::identity::IdentityState;
use crate::identity::client_auth::AuthenticatedClient;
use crate::identity::error::OAuthError;
use crate::signing::jti;
use crate::signing::jwt::{self, AccessClaims};

pub(super) fn issue(
    state: &IdentityState,
    client: AuthenticatedClient,
    requested: Option<&str>,
) -> Result<TokenResponse, OAuthError> {
    // A store app acts for a person who consented (authorization code), never on its own.
    if client.kind != AppKind::Custom {
        return Err(OAuthError::UnauthorizedClient(
            "this client may not use the client_credentials grant",
        ));
    }
    let scopes = granted_scopes(state, &client, requested)?;

    let lifetime = super::gate::lifetime(state, &client);
    let at = state.clock.now();
    let now = at.unix_timestamp();
    let claims = AccessClaims {
        iss: state.config.public_url.clone(),
        sub: client.client_id.clone(),
        client_id: client.client_id,
        aud: state.config.token_audience.clone(),
        scope: scopes,
        account_code: state.config.account_code.to_string(),
        iat: now,
        nbf: now,
        exp: now + lifetime,
        jti: jti::for_secret(client.secret_id),
    };
    let keys = state.identity.keys.current();
    let access_token = jwt::sign(keys.signing(at), &claims)?;
    Ok(TokenResponse {
        access_token,
        token_type: "Bearer",
        expires_in: u64::try_from(lifetime).unwrap_or(0),
        scope: claims.scope.join(" "),
        refresh_token: None,
        id_token: None,
    })
}

/// `scope` omitted: everything the app was granted. Otherwise each requested scope must be granted.
fn granted_scopes(
    state: &IdentityState,
    client: &AuthenticatedClient,
    requested: Option<&str>,
) -> Result<Vec<String>, OAuthError> {
    let mut scopes: Vec<String> = match requested {
        None => client.scopes.clone(),
        Some(list) => {
            let mut wanted = Vec::new();
            for scope in list.split(' ').filter(|s| !s.is_empty()) {
                if !client.scopes.iter().any(|g| g == scope) {
                    return Err(OAuthError::InvalidScope(format!(
                        "the scope {scope:?} was not granted to this client"
                    )));
                }
                wanted.push(scope.to_owned());
            }
            wanted
        }
    };
    scopes.sort_by_key(|s| state.catalog.position(s));
    scopes.dedup();
    Ok(scopes)
}
