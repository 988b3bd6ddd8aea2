//! An authorization request (RFC 6749 §4.1.1, OpenID Connect Core §3.1.2.1) read and checked in the
//! order the RFC asks: first the client and its redirect URI (whose failures must never redirect), then
//! everything else (whose failures go back to the app, with `state`).

use crate::domain::{AppKind, OIDC_SCOPES, ScopeCatalog};
use crate::store::AppDetail;

pub use super::params::Params;
use super::params::prompt;

/// Longest `state` and `nonce` accepted: they travel in URLs.
const MAX_STATE_CHARS: usize = 1024;

/// Why a request is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// No client, or no redirect URI, can be trusted: the error page, never a redirect.
    Page {
        error: &'static str,
        description: String,
    },
    /// Sent back to the app's redirect URI.
    Redirect {
        redirect_uri: String,
        error: &'static str,
        description: String,
        state: Option<String>,
    },
}

/// A request whose client and redirect URI are trusted, and everything else checked.
#[derive(Debug, Clone)]
pub struct Checked {
    pub redirect_uri: String,
    /// Whether the request named the redirect URI (then the code exchange must name it too).
    pub redirect_uri_sent: bool,
    /// In the order of the app's own list: API scopes in catalog order, then OpenID Connect scopes.
    pub scopes: Vec<String>,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    /// `prompt=none`: answer without showing anything.
    pub prompt_none: bool,
    /// `prompt=consent`: ask even when consent was given before.
    pub prompt_consent: bool,
    /// `prompt=login`: the person types their password again, even when signed in.
    pub prompt_login: bool,
    /// `max_age`: the longest time (seconds) since the person last typed their password.
    pub max_age: Option<i64>,
}

impl Checked {
    /// Whether the person must type their password again before this request goes on: `prompt=login`,
    /// or a sign-in older than `max_age` (OpenID Connect Core §3.1.2.1). `signed_in_at` is unknown for
    /// sessions begun before it was recorded: then only `max_age` absent lets them through.
    pub fn needs_fresh_sign_in(
        &self,
        signed_in_at: Option<time::OffsetDateTime>,
        now: time::OffsetDateTime,
    ) -> bool {
        if self.prompt_login {
            return true;
        }
        match (self.max_age, signed_in_at) {
            (None, _) => false,
            (Some(_), None) => true,
            (Some(max), Some(at)) => (now - at).whole_seconds() > max,
        }
    }
}

fn page(error: &'static str, description: impl Into<String>) -> Refusal {
    Refusal::Page {
        error,
        description: description.into(),
    }
}

/// The app the request names, if it is a store app; otherwise the error page.
pub fn client_id(params: &Params) -> Result<&str, Refusal> {
    if params.repeated == Some("client_id") {
        return Err(page("invalid_request", "client_id is repeated"));
    }
    params
        .get("client_id")
        .ok_or_else(|| page("invalid_request", "client_id is required"))
}

/// Checks the request against app `app` (`None`: no app has that client ID); the app comes back
/// with the checked request.
pub fn check(
    params: &Params,
    app: Option<AppDetail>,
    catalog: &ScopeCatalog,
) -> Result<(AppDetail, Checked), Refusal> {
    let Some(app) = app.filter(|a| a.kind == AppKind::Store) else {
        return Err(page(
            "unauthorized_client",
            "No store app has this client ID, so there is nowhere safe to send you back to.",
        ));
    };
    let registered = app
        .store
        .as_ref()
        .map(|s| s.redirect_uris.as_slice())
        .unwrap_or_default();
    if params.repeated == Some("redirect_uri") {
        return Err(page("invalid_request", "redirect_uri is repeated"));
    }
    let (redirect_uri, sent) = match params.get("redirect_uri") {
        Some(uri) if registered.iter().any(|r| r == uri) => (uri.to_owned(), true),
        Some(_) => {
            return Err(page(
                "unauthorized_client",
                "The redirect_uri is not one of this app's registered redirect URIs (they must match exactly).",
            ));
        }
        None => match registered {
            [only] => (only.clone(), false),
            _ => {
                return Err(page(
                    "invalid_request",
                    "redirect_uri is required: this app has several redirect URIs.",
                ));
            }
        },
    };

    // From here on the app and its redirect URI are trusted: errors go back to the app.
    let state = match params.get("state") {
        Some(s) if s.chars().count() > MAX_STATE_CHARS => None,
        other => other.map(str::to_owned),
    };
    let back = |error: &'static str, description: &str| Refusal::Redirect {
        redirect_uri: redirect_uri.clone(),
        error,
        description: description.to_owned(),
        state: if params.repeated == Some("state") {
            None
        } else {
            state.clone()
        },
    };
    if let Some(name) = params.repeated {
        return Err(back("invalid_request", &format!("{name} is repeated")));
    }
    if params.get("state").is_some() && state.is_none() {
        return Err(back("invalid_request", "state is too long"));
    }
    if params.get("request").is_some() {
        return Err(back(
            "request_not_supported",
            "request objects are not supported",
        ));
    }
    if params.get("request_uri").is_some() {
        return Err(back(
            "request_uri_not_supported",
            "request_uri is not supported",
        ));
    }
    match params.get("response_type") {
        None => return Err(back("invalid_request", "response_type is required")),
        Some("code") => {}
        Some(_) => {
            return Err(back(
                "unsupported_response_type",
                "only response_type=code is supported",
            ));
        }
    }
    if params.get("response_mode").is_some_and(|m| m != "query") {
        return Err(back(
            "invalid_request",
            "only response_mode=query is supported",
        ));
    }
    let scopes = scopes(params.get("scope"), &app, catalog).map_err(|why| back(why.0, &why.1))?;
    let nonce = params.get("nonce").map(str::to_owned);
    if nonce
        .as_ref()
        .is_some_and(|n| n.chars().count() > MAX_STATE_CHARS)
    {
        return Err(back("invalid_request", "nonce is too long"));
    }
    let code_challenge = pkce(params, &app).map_err(|why| back("invalid_request", why))?;
    let prompt = prompt(params.get("prompt")).map_err(|why| back("invalid_request", why))?;
    let max_age = match params.get("max_age") {
        None => None,
        Some(value) => Some(
            value
                .parse::<u32>()
                .map_err(|_| back("invalid_request", "max_age must be a number of seconds"))?
                .into(),
        ),
    };
    let checked = Checked {
        redirect_uri,
        redirect_uri_sent: sent,
        scopes,
        state,
        nonce,
        code_challenge,
        prompt_none: prompt.none,
        prompt_consent: prompt.consent,
        prompt_login: prompt.login,
        max_age,
    };
    Ok((app, checked))
}

/// The requested scopes, each one granted to the app, in the app's order.
fn scopes(
    requested: Option<&str>,
    app: &AppDetail,
    catalog: &ScopeCatalog,
) -> Result<Vec<String>, (&'static str, String)> {
    let Some(requested) = requested else {
        return Err(("invalid_scope", "scope is required".to_owned()));
    };
    let mut wanted: Vec<&str> = Vec::new();
    for scope in requested.split(' ').filter(|s| !s.is_empty()) {
        if !app.scopes.iter().any(|s| s == scope) {
            let shown: String = scope.chars().take(100).collect();
            return Err((
                "invalid_scope",
                format!("Requested scope not allowed: {shown}"),
            ));
        }
        wanted.push(scope);
    }
    if wanted.is_empty() {
        return Err(("invalid_scope", "scope is required".to_owned()));
    }
    catalog
        .parse_store_selection(wanted)
        .map_err(|why| ("invalid_scope", why.to_owned()))
}

/// The S256 code challenge, if any. `plain` (also the default when no method is named) is refused:
/// it protects nothing once the request is seen.
fn pkce(params: &Params, app: &AppDetail) -> Result<Option<String>, &'static str> {
    let challenge = params.get("code_challenge");
    match (challenge, params.get("code_challenge_method")) {
        (None, Some(_)) => Err("code_challenge_method was sent without code_challenge"),
        (Some(_), None | Some("plain")) => {
            Err("code_challenge_method must be S256 (plain is not supported)")
        }
        (Some(_), Some(m)) if m != "S256" => {
            Err("code_challenge_method must be S256 (plain is not supported)")
        }
        (Some(c), Some(_)) => {
            // BASE64URL(SHA-256(verifier)) without padding is always 43 characters.
            let well_formed = c.len() == 43
                && c.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
            if well_formed {
                Ok(Some(c.to_owned()))
            } else {
                Err("code_challenge must be the 43-character base64url SHA-256 of the verifier")
            }
        }
        (None, None) if app.store.as_ref().is_some_and(|s| s.require_pkce) => {
            Err("this app requires PKCE: send code_challenge with code_challenge_method=S256")
        }
        (None, None) => Ok(None),
    }
}

/// The display name of an OpenID Connect scope.
pub fn oidc_display_name(scope: &str) -> Option<&'static str> {
    OIDC_SCOPES
        .iter()
        .find(|(name, _)| *name == scope)
        .map(|(_, display)| *display)
}
