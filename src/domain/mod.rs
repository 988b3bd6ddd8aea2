//! The words of the business. Input becomes these types at the edge ("parse, don't validate"), so the
//! rest of the code never sees an unchecked client code, scope or secret.

mod addresses;
pub mod audit;
mod codes;
mod expiry;
mod pii;
mod redirect_uri;
mod scopes;
mod secret;
mod text;

pub use addresses::{AllowedAddresses, MAX_ALLOWED_ADDRESSES};
pub use audit::{AuditAction, AuditEvent, RecordedEvent, StoreSettings};
pub use codes::{AccountCode, AppKind, ClientCode, ClientId};
pub use expiry::{
    EXPIRY_PAST, EXPIRY_RULE, EXPIRY_WARNING_DAYS, ExpiryState, SecretExpiry, parse_date,
};
pub use pii::PiiMode;
pub use redirect_uri::{MAX_REDIRECT_URIS, MAX_URI_CHARS, parse_logo_url, parse_redirect_uris};
pub use scopes::{ApiGroup, OIDC_SCOPES, ScopeCatalog, ScopeInfo};
pub use secret::{PasswordHasher, SecretHash, SecretValue, random_token, token_hash};
pub use text::{HIDDEN_CHARACTERS, hides_text, single_line};
mod people;
pub use people::{LinkKind, PasswordProblem, UnknownLinkKind, check_new_password, parse_email};
