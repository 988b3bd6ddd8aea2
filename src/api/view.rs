//! What the admin API says about apps, secrets and events, as JSON (and in the OpenAPI document), and
//! the app's ETag: a strong validator over its representation.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use utoipa::ToSchema;

use crate::domain::{AppKind, PiiMode};
use crate::store::{AppDetail, AppSummary, SecretInfo};

/// Whether an app may retrieve personal data.
#[derive(Serialize, Deserialize, ToSchema, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Pii {
    Retrieve,
    DontRetrieve,
}

impl From<PiiMode> for Pii {
    fn from(mode: PiiMode) -> Self {
        match mode {
            PiiMode::Retrieve => Self::Retrieve,
            PiiMode::DontRetrieve => Self::DontRetrieve,
        }
    }
}

impl From<Pii> for PiiMode {
    fn from(pii: Pii) -> Self {
        match pii {
            Pii::Retrieve => Self::Retrieve,
            Pii::DontRetrieve => Self::DontRetrieve,
        }
    }
}

/// A custom app (client credentials, managed here) or a store app (people authorize it).
#[derive(Serialize, ToSchema, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Custom,
    Store,
}

pub fn rfc3339(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_default()
}

/// An app. Its ETag is computed over exactly this.
#[derive(Serialize, ToSchema, Debug, Clone)]
pub struct App {
    #[schema(example = "AC-MY_APP")]
    pub client_id: String,
    #[schema(example = "MY_APP")]
    pub client_code: String,
    pub client_name: String,
    pub pii: Pii,
    /// In catalog order.
    pub scopes: Vec<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
    pub kind: Kind,
    /// Its secrets (never their values).
    pub secrets: Vec<SecretRef>,
    /// A suspended app gets no tokens and its tokens are inactive, until it is resumed.
    pub suspended: bool,
    /// Its own access-token lifetime in seconds; null: the server's.
    #[schema(minimum = 60)]
    pub token_lifetime_seconds: Option<i64>,
    /// IP addresses and CIDR ranges it may ask for tokens from, normalised; empty: any address.
    #[schema(example = json!(["203.0.113.7", "2001:db8::/32"]))]
    pub allowed_addresses: Vec<String>,
}

/// A secret as part of its app: what identifies it, not how often it is used.
#[derive(Serialize, ToSchema, Debug, Clone)]
pub struct SecretRef {
    pub id: i64,
    pub description: String,
    #[schema(format = DateTime)]
    pub created_at: String,
    /// When it stops working; `null`: never. (A rotation sets it, so it is part of the ETag.)
    #[schema(format = DateTime)]
    pub expires_at: Option<String>,
}

impl App {
    pub fn of(app: &AppDetail, catalog: &crate::domain::ScopeCatalog) -> Self {
        let mut scopes = app.scopes.clone();
        scopes.sort_by_key(|s| catalog.position(s));
        Self {
            client_id: app.client_id.clone(),
            client_code: app.client_code.clone(),
            client_name: app.client_name.clone(),
            pii: app.pii_mode.into(),
            scopes,
            created_at: rfc3339(app.created_at),
            kind: match app.kind {
                AppKind::Custom => Kind::Custom,
                AppKind::Store => Kind::Store,
            },
            secrets: app
                .secrets
                .iter()
                .map(|s| SecretRef {
                    id: s.id,
                    description: s.description.clone(),
                    created_at: rfc3339(s.created_at),
                    expires_at: s.expires_at.map(rfc3339),
                })
                .collect(),
            suspended: app.suspended_at.is_some(),
            token_lifetime_seconds: app.token_lifetime_seconds,
            allowed_addresses: crate::domain::AllowedAddresses::from_stored(&app.allowed_addresses)
                .entries(),
        }
    }

    /// A strong ETag: the quoted SHA-256 of the app's JSON. Any change of name, personal-data mode,
    /// scopes or secrets changes it; using a secret (its "last used" time) does not.
    pub fn etag(&self) -> String {
        let json = serde_json::to_vec(self).unwrap_or_default();
        let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &json);
        let hex: String = digest.as_ref().iter().map(|b| format!("{b:02x}")).collect();
        format!("\"{hex}\"")
    }
}

/// A row of the apps list: open the app for its scopes and secrets.
#[derive(Serialize, ToSchema, Debug)]
pub struct AppListItem {
    pub client_id: String,
    pub client_code: String,
    pub client_name: String,
    pub pii: Pii,
    pub scope_count: i64,
    #[schema(format = DateTime)]
    pub created_at: String,
}

impl From<AppSummary> for AppListItem {
    fn from(a: AppSummary) -> Self {
        Self {
            client_id: a.client_id,
            client_code: a.client_code,
            client_name: a.client_name,
            pii: a.pii_mode.into(),
            scope_count: a.scope_count,
            created_at: rfc3339(a.created_at),
        }
    }
}

/// A secret of an app, never its value.
#[derive(Serialize, ToSchema, Debug)]
pub struct Secret {
    pub id: i64,
    pub description: String,
    #[schema(format = DateTime)]
    pub created_at: String,
    /// The display name of the person who added it; `null` when an app or the command line did.
    pub created_by: Option<String>,
    /// When a token was last obtained with it (recorded in batches, so up to a minute late).
    #[schema(format = DateTime)]
    pub last_used_at: Option<String>,
    /// The client address of that last use.
    pub last_used_from: Option<String>,
    /// When it stops working (refused at the token endpoint from then on); `null`: never.
    #[schema(format = DateTime)]
    pub expires_at: Option<String>,
}

impl From<&SecretInfo> for Secret {
    fn from(s: &SecretInfo) -> Self {
        Self {
            id: s.id,
            description: s.description.clone(),
            created_at: rfc3339(s.created_at),
            created_by: s.created_by.clone(),
            last_used_at: s.last_used_at.map(rfc3339),
            last_used_from: s.last_used_addr.clone(),
            expires_at: s.expires_at.map(rfc3339),
        }
    }
}

/// Which part of a list this is.
#[derive(Serialize, ToSchema, Debug)]
pub struct Paging {
    /// How many items match, on all pages.
    pub total: i64,
    /// This page, from 1.
    pub page: i64,
    /// How many pages there are (at least 1).
    pub pages: i64,
    pub page_size: i64,
}

impl Paging {
    /// The paging of page `page` of `total` items, `page_size` a page; and that page's offset.
    pub fn of(total: i64, page: i64, page_size: i64) -> (Self, i64) {
        let pages = ((total + page_size - 1) / page_size).max(1);
        let offset = (page - 1).saturating_mul(page_size);
        (
            Self {
                total,
                page,
                pages,
                page_size,
            },
            offset,
        )
    }
}
