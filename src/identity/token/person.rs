//! What a store app receives for a person from a grant: an access token naming the grant in its `jti`,
//! an id_token when the grant holds `openid`, and the family's next refresh token if one was made.

use time::OffsetDateTime;

use super::TokenResponse;
use crate::domain::{random_token, token_hash};
use crate::identity::IdentityState;
use crate::identity::error::OAuthError;
use crate::signing::jti;
use crate::signing::jwt::{self, AccessClaims, IdClaims};
use crate::store::{GrantRow, NewRefreshToken};

pub(super) fn has(scopes: &[String], scope: &str) -> bool {
    scopes.iter().any(|s| s == scope)
}

/// A refresh token's end: unused for the sliding lifetime, or the grant's absolute end if sooner.
pub(super) fn refresh_end(
    state: &IdentityState,
    at: OffsetDateTime,
    grant_end: OffsetDateTime,
) -> OffsetDateTime {
    (at + state.config.refresh_token_sliding).min(grant_end)
}

/// A new refresh token: the value for the client and its hash for the store.
pub(super) struct FreshRefresh {
    pub value: String,
    pub hash: String,
}

impl FreshRefresh {
    pub fn new() -> Self {
        let value = random_token();
        let hash = token_hash(&value);
        Self { value, hash }
    }

    pub fn row<'a>(
        &'a self,
        scopes: &'a [String],
        expires_at: OffsetDateTime,
    ) -> NewRefreshToken<'a> {
        NewRefreshToken {
            token_hash: &self.hash,
            scopes,
            expires_at,
        }
    }
}

/// What to put in the id_token, when there is one.
pub(super) struct IdTokenFor<'a> {
    /// The authorization request's nonce (only the code exchange has one).
    pub nonce: Option<&'a str>,
    /// With `profile`: `name` and `preferred_username`.
    pub profile: bool,
}

/// Signs the access token (scopes `scopes`, ending after `lifetime` seconds (the app's or the
/// server's) or at the grant's end if sooner) and, if asked, the id_token; the response carries `refresh_token` as given.
pub(super) fn respond(
    state: &IdentityState,
    at: OffsetDateTime,
    grant: &GrantRow,
    scopes: Vec<String>,
    id_token: Option<IdTokenFor<'_>>,
    refresh_token: Option<FreshRefresh>,
    lifetime: i64,
) -> Result<TokenResponse, OAuthError> {
    let now = at.unix_timestamp();
    // No access token outlives its grant: past its end the grant introspects inactive anyway, and a
    // resource server checking signatures alone should not be told otherwise.
    let exp = (now + lifetime).min(grant.expires_at.unix_timestamp());
    let claims = AccessClaims {
        iss: state.config.public_url.clone(),
        sub: grant.subject.clone(),
        client_id: grant.client_id.clone(),
        aud: state.config.token_audience.clone(),
        scope: scopes,
        account_code: state.config.account_code.to_string(),
        iat: now,
        nbf: now,
        exp,
        jti: jti::for_grant(grant.id),
    };
    let keys = state.identity.keys.current();
    let key = keys.signing(at);
    let access_token = jwt::sign(key, &claims)?;
    let id_token = match id_token {
        None => None,
        Some(wanted) => {
            let claims = IdClaims {
                iss: state.config.public_url.clone(),
                sub: grant.subject.clone(),
                aud: grant.client_id.clone(),
                exp,
                iat: now,
                auth_time: grant.auth_time.unix_timestamp(),
                nonce: wanted.nonce.map(str::to_owned),
                at_hash: jwt::at_hash(&access_token),
                account_code: state.config.account_code.to_string(),
                // As the hosted service does: `name` holds the email, `preferred_username` the
                // display name.
                name: wanted.profile.then(|| grant.email.clone()),
                preferred_username: wanted.profile.then(|| grant.display_name.clone()),
            };
            Some(jwt::sign_id_token(key, &claims)?)
        }
    };
    Ok(TokenResponse {
        access_token,
        token_type: "Bearer",
        expires_in: u64::try_from(exp - now).unwrap_or(0),
        scope: claims.scope.join(" "),
        refresh_token: refresh_token.map(|r| r.value),
        id_token,
    })
}
