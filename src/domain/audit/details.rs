//! What each audit event keeps: the JSON details stored beside its action. Never secret material.

use serde::{Deserialize, Serialize};

use crate::domain::PiiMode;

/// What an app was registered with. Never the secret itself, only its description.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppRegistration {
    pub client_code: String,
    pub client_name: String,
    pub pii_mode: PiiMode,
    pub scopes: Vec<String>,
    pub secret_description: String,
    /// When the first secret stops working (RFC 3339); absent: never (and in older rows).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_expires_at: Option<String>,
    /// A store app's own settings; absent for a custom app (and in rows written before store apps).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store: Option<Box<StoreSettings>>,
}

/// The settings of an app that an edit can change.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AppSettings {
    pub client_name: String,
    pub pii_mode: PiiMode,
    /// In catalog order.
    pub scopes: Vec<String>,
    /// A store app's own settings; absent for a custom app. Boxed: audit events are many, store apps few.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store: Option<Box<StoreSettings>>,
    /// The app's own access-token lifetime in seconds; absent: the server's (and in older rows).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_lifetime_seconds: Option<i64>,
    /// Addresses and ranges allowed to ask for tokens, normalised; absent: any (and in older rows).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allowed_addresses: Vec<String>,
}

/// What only a store (authorization-code) app has. The URIs are kept as typed, in the order typed.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct StoreSettings {
    pub logo_url: Option<String>,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    pub require_pkce: bool,
}

/// The same thing before and after a change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change<T> {
    pub before: T,
    pub after: T,
}

/// What a deleted app was.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeletedApp {
    pub client_code: String,
    pub client_name: String,
    /// How many secrets went with it.
    pub secrets: usize,
}

/// A secret, as the log names it: by its description.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretLabel {
    pub description: String,
}

/// A secret added, by its description, with when it stops working (RFC 3339; absent: never, and in
/// rows written before secrets could expire).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddedSecret {
    pub description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
}

/// A rotation: the new secret, and the old one with the expiry it was given (RFC 3339).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretRotation {
    pub old_secret_id: i64,
    pub old_description: String,
    pub old_expires_at: String,
    pub new_secret_id: i64,
    pub new_description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_expires_at: Option<String>,
}

/// The person an event was about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub email: String,
}

/// Who was invited, as what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invitation {
    pub email: String,
    pub is_admin: bool,
}

/// What an accepted invitation made its person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Role {
    pub is_admin: bool,
}

/// The settings of a person that an edit can change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonSettings {
    pub name: String,
    pub is_admin: bool,
    pub enabled: bool,
}

/// A change to a person: who, and their settings before and after.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonChange {
    pub email: String,
    pub before: PersonSettings,
    pub after: PersonSettings,
}

/// What a person authorized a store app to do (every scope consented so far, in catalog order).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Connection {
    pub scopes: Vec<String>,
}

/// What a disconnection ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Disconnection {
    pub client_name: String,
    /// How many people's consents were removed.
    pub consents: usize,
}

/// What a revocation of all of an app's tokens ended besides its access tokens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevokedTokens {
    /// How many people's grants (with their refresh tokens) were revoked; 0 for a custom app.
    pub grants: usize,
}

/// Why the token endpoint refused an app that proved its secret, and from where it asked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refusal {
    /// `address_not_allowed`.
    pub reason: String,
    pub address: Option<String>,
}
