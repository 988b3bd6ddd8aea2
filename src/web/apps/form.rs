//! What the app forms share: field values and errors, the scope checkboxes, the text-field rules, and the
//! page that shows a new secret once.

use std::collections::BTreeSet;

use askama::Template;
use axum::http::header;
use axum::response::{IntoResponse, Response};

use crate::domain::{
    AppKind, EXPIRY_RULE, OIDC_SCOPES, PiiMode, ScopeCatalog, SecretExpiry, StoreSettings,
    parse_date, parse_logo_url, parse_redirect_uris,
};
use crate::service::apps::rules;
use crate::web::error::AppError;
use crate::web::{Layout, render};

/// What the form shows: the person's own input, kept as typed.
#[derive(Default)]
pub struct Values {
    pub client_code: String,
    pub client_name: String,
    pub pii_retrieve: bool,
    pub secret_description: String,
    /// The Expires choice (`never`, `30d`, `90d`, `1y`, `date`) and its date, as typed.
    pub expires: String,
    pub expires_on: String,
    pub scopes: BTreeSet<String>,
    /// A store app's fields, as typed (the URIs one per line).
    pub logo_url: String,
    pub redirect_uris: String,
    pub post_logout_redirect_uris: String,
    pub require_pkce: bool,
    /// The edit form's access-token lifetime (empty: the server's) and allowed addresses, as typed.
    pub token_lifetime: String,
    pub allowed_addresses: String,
}

impl Values {
    /// The store fields of an app as its forms show them.
    pub fn with_store(mut self, store: &StoreSettings) -> Self {
        self.logo_url = store.logo_url.clone().unwrap_or_default();
        self.redirect_uris = store.redirect_uris.join("\n");
        self.post_logout_redirect_uris = store.post_logout_redirect_uris.join("\n");
        self.require_pkce = store.require_pkce;
        self
    }
}

/// A store app's fields as its forms post them (an unticked box is not sent).
#[derive(Default)]
pub struct StoreFields {
    pub logo_url: String,
    pub redirect_uris: String,
    pub post_logout_redirect_uris: String,
    pub require_pkce: bool,
}

impl StoreFields {
    pub fn validate(&self, errors: &mut FieldErrors) -> Option<StoreSettings> {
        let logo_url = parse_logo_url(&self.logo_url).map_err(|e| errors.logo_url = Some(e));
        let redirect_uris = parse_redirect_uris(&self.redirect_uris, true)
            .map_err(|e| errors.redirect_uris = Some(e));
        let post_logout_redirect_uris = parse_redirect_uris(&self.post_logout_redirect_uris, false)
            .map_err(|e| errors.post_logout_redirect_uris = Some(e));
        Some(StoreSettings {
            logo_url: logo_url.ok()?,
            redirect_uris: redirect_uris.ok()?,
            post_logout_redirect_uris: post_logout_redirect_uris.ok()?,
            require_pkce: self.require_pkce,
        })
    }

    /// Keeps what was typed for the re-rendered form.
    pub fn keep(self, values: &mut Values) {
        values.require_pkce = self.require_pkce;
        values.logo_url = self.logo_url;
        values.redirect_uris = self.redirect_uris;
        values.post_logout_redirect_uris = self.post_logout_redirect_uris;
    }
}

/// One message per field, shown next to it.
#[derive(Default)]
pub struct FieldErrors {
    pub client_code: Option<&'static str>,
    pub client_name: Option<&'static str>,
    pub pii_mode: Option<&'static str>,
    pub secret_description: Option<&'static str>,
    pub expires: Option<&'static str>,
    pub scopes: Option<&'static str>,
    pub logo_url: Option<&'static str>,
    pub redirect_uris: Option<&'static str>,
    pub post_logout_redirect_uris: Option<&'static str>,
    pub token_lifetime_seconds: Option<String>,
    pub allowed_addresses: Option<String>,
}

impl FieldErrors {
    pub fn any(&self) -> bool {
        self.client_code.is_some()
            || self.client_name.is_some()
            || self.pii_mode.is_some()
            || self.secret_description.is_some()
            || self.expires.is_some()
            || self.scopes.is_some()
            || self.logo_url.is_some()
            || self.redirect_uris.is_some()
            || self.post_logout_redirect_uris.is_some()
            || self.token_lifetime_seconds.is_some()
            || self.allowed_addresses.is_some()
    }

    /// (field id, message) in form order, for the summary at the top of the form.
    pub fn summary(&self) -> Vec<(&'static str, &str)> {
        [
            ("client_code", self.client_code),
            ("client_name", self.client_name),
            ("logo_url", self.logo_url),
            ("redirect_uris", self.redirect_uris),
            ("post_logout_redirect_uris", self.post_logout_redirect_uris),
            ("pii_mode_retrieve", self.pii_mode),
            ("secret_description", self.secret_description),
            ("expires", self.expires),
            ("scopes", self.scopes),
            (
                "token_lifetime_seconds",
                self.token_lifetime_seconds.as_deref(),
            ),
            ("allowed_addresses", self.allowed_addresses.as_deref()),
        ]
        .into_iter()
        .filter_map(|(id, msg)| msg.map(|m| (id, m)))
        .collect()
    }
}

pub struct ScopeBox {
    pub id: String,
    pub name: String,
    pub display_name: String,
    pub checked: bool,
}

pub struct ScopeGroup {
    pub name: String,
    pub boxes: Vec<ScopeBox>,
}

/// The OpenID Connect checkboxes of the store-app forms.
pub fn oidc_boxes(checked: &BTreeSet<String>) -> Vec<ScopeBox> {
    OIDC_SCOPES
        .iter()
        .map(|(name, display_name)| ScopeBox {
            id: format!("scope-oidc-{name}"),
            name: (*name).to_owned(),
            display_name: (*display_name).to_owned(),
            checked: checked.contains(*name),
        })
        .collect()
}

/// The catalog's checkboxes, grouped by API. The Admin API's group (`admin_only`) only when
/// `with_admin_api`: on the custom-app forms for an account admin, never on a store app's.
pub fn scope_groups(
    catalog: &ScopeCatalog,
    checked: &BTreeSet<String>,
    with_admin_api: bool,
) -> Vec<ScopeGroup> {
    catalog
        .groups()
        .iter()
        .enumerate()
        .filter(|(_, group)| with_admin_api || !group.admin_only)
        .map(|(g, group)| ScopeGroup {
            name: group.name.clone(),
            boxes: group
                .scopes
                .iter()
                .enumerate()
                .map(|(s, scope)| ScopeBox {
                    id: format!("scope-{g}-{s}"),
                    name: scope.name.clone(),
                    display_name: scope.display_name.clone(),
                    checked: checked.contains(&scope.name),
                })
                .collect(),
        })
        .collect()
}

/// Client name, personal-data mode and scopes: the fields creation and editing share, by the rules every
/// door follows (`service::apps::rules`). Each problem is written into `errors`; `None` when any was found.
pub fn validate_details(
    kind: AppKind,
    client_name: &str,
    pii_mode: &str,
    scopes: &[String],
    catalog: &ScopeCatalog,
    errors: &mut FieldErrors,
) -> Option<(String, PiiMode, Vec<String>)> {
    let name = rules::client_name(client_name).map_err(|e| errors.client_name = Some(e));
    let mode = PiiMode::parse(pii_mode).map_err(|e| errors.pii_mode = Some(e));
    let scopes = rules::scopes(kind, catalog, scopes).map_err(|e| errors.scopes = Some(e));
    Some((name.ok()?, mode.ok()?, scopes.ok()?))
}

/// The Expires field's choices, in the order shown.
const EXPIRY_CHOICES: [(&str, &str); 5] = [
    ("never", "Never"),
    ("30d", "30 days"),
    ("90d", "90 days"),
    ("1y", "1 year"),
    ("date", "On a date"),
];
pub const EXPIRY_DATE_RULE: &str = "Enter the date as YYYY-MM-DD, such as 2027-03-31";

/// The Expires field as a page shows it: the select's options, the date and its problem.
pub struct ExpiryField {
    pub choices: Vec<(&'static str, &'static str, bool)>,
    pub on: String,
    pub error: Option<&'static str>,
}

impl ExpiryField {
    pub fn new(selected: &str, on: &str, error: Option<&'static str>) -> Self {
        let selected = if selected.is_empty() {
            "never"
        } else {
            selected
        };
        Self {
            choices: EXPIRY_CHOICES
                .iter()
                .map(|(value, label)| (*value, *label, *value == selected))
                .collect(),
            on: on.to_owned(),
            error,
        }
    }
}

/// The Expires field as posted (`expires`, `expires_on`), checked against `now`: a date must be today or
/// later (a date means the end of that day, UTC).
pub fn validate_expiry(
    choice: &str,
    on: &str,
    now: time::OffsetDateTime,
) -> Result<SecretExpiry, &'static str> {
    let expiry = match choice {
        "date" => SecretExpiry::On(parse_date(on.trim()).ok_or(EXPIRY_DATE_RULE)?),
        "" | "never" | "30d" | "90d" | "1y" => SecretExpiry::parse(choice)?,
        _ => return Err(EXPIRY_RULE),
    };
    expiry.at(now).map(|_| expiry)
}

pub fn validate_description(raw: &str, errors: &mut FieldErrors) -> Option<String> {
    rules::secret_description(raw)
        .map_err(|e| errors.secret_description = Some(e))
        .ok()
}

#[derive(Template)]
#[template(path = "apps/connected-apps/created.html")]
pub struct CredentialsPage {
    pub layout: Layout,
    pub heading: String,
    pub client_id: String,
    pub client_secret: String,
    /// A ready-to-paste token request with this app's real credentials.
    pub token_curl: String,
}

/// The one response that ever shows a secret: never stored by any cache.
pub fn credentials_response(page: &CredentialsPage) -> Result<Response, AppError> {
    Ok((
        [
            (header::CACHE_CONTROL, "no-store"),
            (header::PRAGMA, "no-cache"),
        ],
        render(page)?,
    )
        .into_response())
}

/// `curl` asking for a token with HTTP Basic. Client IDs and generated secrets are `[A-Za-z0-9_-]`, so
/// they need neither shell quoting beyond the single quotes nor RFC 6749 form-encoding.
pub fn token_curl(public_url: &str, client_id: &str, secret: &str) -> String {
    format!(
        "curl -X POST '{public_url}/connect/token' \\\n  -u '{client_id}:{secret}' \\\n  -d grant_type=client_credentials"
    )
}
