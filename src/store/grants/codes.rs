//! Authorization codes: single use, minutes long, bound to the request that made them.

use time::OffsetDateTime;

use super::{scope_list, scope_text};
use crate::store::{Store, StoreError, from_text, to_text};

/// An authorization code to store, issued at the end of `/connect/authorize`.
pub struct NewAuthorizationCode<'a> {
    pub code_hash: &'a str,
    pub app_id: i64,
    pub user_id: i64,
    pub scopes: &'a [String],
    /// The redirect URI the code was sent to.
    pub redirect_uri: &'a str,
    /// Whether the request named `redirect_uri` (then the exchange must name the same one).
    pub redirect_uri_sent: bool,
    pub nonce: Option<&'a str>,
    /// The PKCE S256 challenge, if the request sent one.
    pub code_challenge: Option<&'a str>,
    pub auth_time: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

/// A stored authorization code as its exchange reads it.
#[derive(Debug, Clone)]
pub struct AuthorizationCode {
    pub app_id: i64,
    /// The client ID of the app the code was issued to.
    pub client_id: String,
    pub user_id: i64,
    /// The person's `sub`.
    pub subject: String,
    pub scopes: Vec<String>,
    pub redirect_uri: String,
    pub redirect_uri_sent: bool,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    pub auth_time: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

/// What presenting a code found.
#[derive(Debug)]
pub enum CodeRedemption {
    /// First use: the code is now used, whatever the exchange decides next.
    Fresh(AuthorizationCode),
    /// Used before: the grant made from its first use (if any) is revoked now.
    Reused,
    Unknown,
}

type CodeColumns = (
    i64,
    String,
    i64,
    String,
    String,
    String,
    bool,
    Option<String>,
    Option<String>,
    String,
    String,
);

impl Store {
    pub async fn add_authorization_code(
        &self,
        code: &NewAuthorizationCode<'_>,
    ) -> Result<(), StoreError> {
        let now = self.now_text();
        on_db!(&self.pool, p => {
            sqlx::query(
                "INSERT INTO authorization_codes (code_hash, app_id, user_id, scopes, redirect_uri,
                     redirect_uri_sent, nonce, code_challenge, auth_time, created_at, expires_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(code.code_hash)
            .bind(code.app_id)
            .bind(code.user_id)
            .bind(scope_text(code.scopes))
            .bind(code.redirect_uri)
            .bind(code.redirect_uri_sent)
            .bind(code.nonce)
            .bind(code.code_challenge)
            .bind(to_text(code.auth_time))
            .bind(&now)
            .bind(to_text(code.expires_at))
            .execute(p)
            .await
            .map(|_| ())
        })
        .map_err(StoreError::from_write)?;
        Ok(())
    }

    /// Marks the code used and returns it, in one statement, so that of two exchanges racing with
    /// one code exactly one gets `Fresh`. A code found already used revokes the grant its first use
    /// made (RFC 6749 §4.1.2: the code may have leaked).
    pub async fn redeem_code(&self, code_hash: &str) -> Result<CodeRedemption, StoreError> {
        if !crate::store::searchable(code_hash) {
            return Ok(CodeRedemption::Unknown);
        }
        let now = self.now_text();
        let claimed: Option<CodeColumns> = on_db!(&self.pool, p => {
            sqlx::query_as(
                "UPDATE authorization_codes SET used_at = $2
                 WHERE code_hash = $1 AND used_at IS NULL
                 RETURNING app_id,
                     (SELECT client_id FROM apps WHERE apps.id = app_id),
                     user_id,
                     (SELECT subject FROM users WHERE users.id = user_id),
                     scopes, redirect_uri, redirect_uri_sent, nonce, code_challenge, auth_time,
                     expires_at",
            )
            .bind(code_hash)
            .bind(&now)
            .fetch_optional(p)
            .await
        })?;
        if let Some(r) = claimed {
            return Ok(CodeRedemption::Fresh(AuthorizationCode {
                app_id: r.0,
                client_id: r.1,
                user_id: r.2,
                subject: r.3,
                scopes: scope_list(&r.4),
                redirect_uri: r.5,
                redirect_uri_sent: r.6,
                nonce: r.7,
                code_challenge: r.8,
                auth_time: from_text(&r.9),
                expires_at: from_text(&r.10),
            }));
        }
        let known: Option<Option<i64>> = on_db!(&self.pool, p => {
            sqlx::query_scalar("SELECT grant_id FROM authorization_codes WHERE code_hash = $1")
                .bind(code_hash)
                .fetch_optional(p)
                .await
        })?;
        match known {
            None => Ok(CodeRedemption::Unknown),
            Some(grant) => {
                if let Some(grant) = grant {
                    self.revoke_grant(grant).await?;
                    tracing::warn!(grant, "authorization code used twice: its grant is revoked");
                }
                Ok(CodeRedemption::Reused)
            }
        }
    }
}
