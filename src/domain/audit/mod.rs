//! What the audit log records: each kind of event (`AuditAction`, stored as text) and what it holds
//! (`AuditEvent`, stored as a JSON object). Writers build an `AuditEvent`; readers get a `RecordedEvent`,
//! which keeps rows this version cannot read (a newer version wrote them) instead of failing on them.

use std::str::FromStr;

use serde_json::Value;

mod details;

pub use details::{
    AddedSecret, AppRegistration, AppSettings, Change, Connection, DeletedApp, Disconnection,
    Invitation, Person, PersonChange, PersonSettings, Refusal, RevokedTokens, Role, SecretLabel,
    SecretRotation, StoreSettings,
};

/// Declares `AuditAction` with its stored text, so `ALL` cannot miss a variant.
macro_rules! audit_actions {
    ($($(#[$doc:meta])* $variant:ident = $text:literal,)*) => {
        /// Every kind of audit event. Stored in `audit_log.action` as `as_str()`: existing rows hold these
        /// strings, so a variant is never renamed, only added.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum AuditAction {
            $($(#[$doc])* $variant,)*
        }

        impl AuditAction {
            /// Every action, in declaration order.
            pub const ALL: &[Self] = &[$(Self::$variant,)*];

            /// The stored text.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text,)*
                }
            }
        }
    };
}

audit_actions! {
    /// An app was registered, with its first secret.
    AppCreated = "app.created",
    /// An app's name, personal-data mode or scopes changed.
    AppEdited = "app.edited",
    /// An app was deleted, with its secrets.
    AppDeleted = "app.deleted",
    SecretAdded = "secret.added",
    SecretDeleted = "secret.deleted",
    /// A secret was replaced by a new one, the old one left to expire after a grace period.
    SecretRotated = "secret.rotated",
    SignedIn = "user.signed_in",
    /// A wrong email or password (recorded with the email typed).
    SignInFailed = "user.sign_in_failed",
    /// An admin made an invitation link.
    UserInvited = "user.invited",
    /// The invited person chose a password: their account exists from then on.
    InvitationAccepted = "user.invitation_accepted",
    /// A person's name, account-admin or enabled flag changed.
    UserUpdated = "user.updated",
    UserDeleted = "user.deleted",
    /// Someone changed their own password.
    PasswordChanged = "user.password_changed",
    /// A password-reset link was made for someone.
    PasswordResetIssued = "user.password_reset_issued",
    /// Someone set a new password through a reset link.
    PasswordReset = "user.password_reset",
    /// A person authorized a store app for the account, or authorized more scopes for it.
    AppConnected = "app.connected",
    /// An admin disconnected a store app: its consents removed, its tokens revoked.
    AppDisconnected = "app.disconnected",
    /// An admin suspended an app: the token endpoint refuses it, its tokens introspect inactive.
    AppSuspended = "app.suspended",
    /// An admin resumed a suspended app.
    AppResumed = "app.resumed",
    /// An admin revoked every token issued to an app so far (its secrets kept).
    TokensRevoked = "app.tokens_revoked",
    /// The token endpoint refused an app that proved its secret (e.g. from an address not allowed).
    TokenRefused = "token.refused",
}

/// Stored action text this version does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown audit action {0:?}")]
pub struct UnknownAction(pub String);

impl FromStr for AuditAction {
    type Err = UnknownAction;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .iter()
            .copied()
            .find(|a| a.as_str() == s)
            .ok_or_else(|| UnknownAction(s.to_owned()))
    }
}

impl std::fmt::Display for AuditAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One thing that happened, with what the log keeps about it. Never holds secret material.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditEvent {
    AppCreated(AppRegistration),
    AppEdited(Change<AppSettings>),
    AppDeleted(DeletedApp),
    SecretAdded(AddedSecret),
    SecretDeleted(SecretLabel),
    SecretRotated(SecretRotation),
    SignedIn,
    SignInFailed,
    UserInvited(Invitation),
    InvitationAccepted(Role),
    UserUpdated(PersonChange),
    UserDeleted(Person),
    PasswordChanged(Person),
    PasswordResetIssued(Person),
    PasswordReset,
    AppConnected(Connection),
    AppDisconnected(Disconnection),
    AppSuspended,
    AppResumed,
    TokensRevoked(RevokedTokens),
    TokenRefused(Refusal),
}

impl AuditEvent {
    pub fn action(&self) -> AuditAction {
        match self {
            Self::AppCreated(_) => AuditAction::AppCreated,
            Self::AppEdited(_) => AuditAction::AppEdited,
            Self::AppDeleted(_) => AuditAction::AppDeleted,
            Self::SecretAdded(_) => AuditAction::SecretAdded,
            Self::SecretDeleted(_) => AuditAction::SecretDeleted,
            Self::SecretRotated(_) => AuditAction::SecretRotated,
            Self::SignedIn => AuditAction::SignedIn,
            Self::SignInFailed => AuditAction::SignInFailed,
            Self::UserInvited(_) => AuditAction::UserInvited,
            Self::InvitationAccepted(_) => AuditAction::InvitationAccepted,
            Self::UserUpdated(_) => AuditAction::UserUpdated,
            Self::UserDeleted(_) => AuditAction::UserDeleted,
            Self::PasswordChanged(_) => AuditAction::PasswordChanged,
            Self::PasswordResetIssued(_) => AuditAction::PasswordResetIssued,
            Self::PasswordReset => AuditAction::PasswordReset,
            Self::AppConnected(_) => AuditAction::AppConnected,
            Self::AppDisconnected(_) => AuditAction::AppDisconnected,
            Self::AppSuspended => AuditAction::AppSuspended,
            Self::AppResumed => AuditAction::AppResumed,
            Self::TokensRevoked(_) => AuditAction::TokensRevoked,
            Self::TokenRefused(_) => AuditAction::TokenRefused,
        }
    }

    /// The JSON object stored beside the action (`{}` for events that carry nothing).
    pub fn details(&self) -> Result<Value, serde_json::Error> {
        use serde_json::to_value;
        match self {
            Self::AppCreated(d) => to_value(d),
            Self::AppEdited(d) => to_value(d),
            Self::AppDeleted(d) => to_value(d),
            Self::SecretAdded(d) => to_value(d),
            Self::SecretDeleted(d) => to_value(d),
            Self::SecretRotated(d) => to_value(d),
            Self::UserInvited(d) => to_value(d),
            Self::InvitationAccepted(d) => to_value(d),
            Self::UserUpdated(d) => to_value(d),
            Self::UserDeleted(d) | Self::PasswordChanged(d) | Self::PasswordResetIssued(d) => {
                to_value(d)
            }
            Self::AppConnected(d) => to_value(d),
            Self::AppDisconnected(d) => to_value(d),
            Self::TokensRevoked(d) => to_value(d),
            Self::TokenRefused(d) => to_value(d),
            Self::SignedIn
            | Self::SignInFailed
            | Self::PasswordReset
            | Self::AppSuspended
            | Self::AppResumed => Ok(Value::Object(serde_json::Map::new())),
        }
    }

    /// The event stored as `action` with the JSON `details`.
    pub fn from_stored(action: AuditAction, details: &str) -> Result<Self, serde_json::Error> {
        use serde_json::from_str as read;
        Ok(match action {
            AuditAction::AppCreated => Self::AppCreated(read(details)?),
            AuditAction::AppEdited => Self::AppEdited(read(details)?),
            AuditAction::AppDeleted => Self::AppDeleted(read(details)?),
            AuditAction::SecretAdded => Self::SecretAdded(read(details)?),
            AuditAction::SecretDeleted => Self::SecretDeleted(read(details)?),
            AuditAction::SecretRotated => Self::SecretRotated(read(details)?),
            AuditAction::SignedIn => Self::SignedIn,
            AuditAction::SignInFailed => Self::SignInFailed,
            AuditAction::UserInvited => Self::UserInvited(read(details)?),
            AuditAction::InvitationAccepted => Self::InvitationAccepted(read(details)?),
            AuditAction::UserUpdated => Self::UserUpdated(read(details)?),
            AuditAction::UserDeleted => Self::UserDeleted(read(details)?),
            AuditAction::PasswordChanged => Self::PasswordChanged(read(details)?),
            AuditAction::PasswordResetIssued => Self::PasswordResetIssued(read(details)?),
            AuditAction::PasswordReset => Self::PasswordReset,
            AuditAction::AppConnected => Self::AppConnected(read(details)?),
            AuditAction::AppDisconnected => Self::AppDisconnected(read(details)?),
            AuditAction::AppSuspended => Self::AppSuspended,
            AuditAction::AppResumed => Self::AppResumed,
            AuditAction::TokensRevoked => Self::TokensRevoked(read(details)?),
            AuditAction::TokenRefused => Self::TokenRefused(read(details)?),
        })
    }
}

/// An audit row as read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordedEvent {
    Known(AuditEvent),
    /// An action this version does not know (a newer version wrote it), or details it cannot read:
    /// shown by its stored action text.
    Unreadable {
        action: String,
    },
}

impl RecordedEvent {
    /// Reads a stored row's `action` and `details`; never fails.
    pub fn read(action: &str, details: &str) -> Self {
        match action.parse().map(|a| AuditEvent::from_stored(a, details)) {
            Ok(Ok(event)) => Self::Known(event),
            _ => Self::Unreadable {
                action: action.to_owned(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::domain::PiiMode;

    fn s(text: &str) -> String {
        text.to_owned()
    }

    /// Every event as its writers store it: the action text and the details, in the shape the log has
    /// held since the first version (`json!` objects then).
    fn stored_forms() -> Vec<(AuditEvent, &'static str, Value)> {
        let retrieve = PiiMode::Retrieve;
        let settings = |name: &str, admin, on| PersonSettings {
            name: s(name),
            is_admin: admin,
            enabled: on,
        };
        vec![
            (
                AuditEvent::AppCreated(AppRegistration {
                    client_code: s("VOICE"),
                    client_name: s("Voice"),
                    pii_mode: retrieve,
                    scopes: vec![s("setup.read")],
                    secret_description: s("Production"),
                    secret_expires_at: None,
                    store: None,
                }),
                "app.created",
                json!({ "client_code": "VOICE", "client_name": "Voice", "pii_mode": "Retrieve",
                        "scopes": ["setup.read"], "secret_description": "Production" }),
            ),
            (
                AuditEvent::AppEdited(Change {
                    before: AppSettings {
                        client_name: s("Voice"),
                        pii_mode: retrieve,
                        scopes: vec![s("setup.read")],
                        ..AppSettings::default()
                    },
                    after: AppSettings {
                        client_name: s("Voice 2"),
                        pii_mode: PiiMode::DontRetrieve,
                        scopes: vec![],
                        ..AppSettings::default()
                    },
                }),
                "app.edited",
                json!({
                    "before": { "client_name": "Voice", "pii_mode": "Retrieve", "scopes": ["setup.read"] },
                    "after": { "client_name": "Voice 2", "pii_mode": "DontRetrieve", "scopes": [] },
                }),
            ),
            (
                AuditEvent::AppDeleted(DeletedApp {
                    client_code: s("VOICE"),
                    client_name: s("Voice"),
                    secrets: 2,
                }),
                "app.deleted",
                json!({ "client_code": "VOICE", "client_name": "Voice", "secrets": 2 }),
            ),
            (
                AuditEvent::SecretAdded(AddedSecret {
                    description: s("Rotated"),
                    expires_at: None,
                }),
                "secret.added",
                json!({ "description": "Rotated" }),
            ),
            (
                AuditEvent::SecretAdded(AddedSecret {
                    description: s("Rotated"),
                    expires_at: Some(s("2027-04-01T00:00:00Z")),
                }),
                "secret.added",
                json!({ "description": "Rotated", "expires_at": "2027-04-01T00:00:00Z" }),
            ),
            (
                AuditEvent::SecretRotated(SecretRotation {
                    old_secret_id: 1,
                    old_description: s("Old"),
                    old_expires_at: s("2027-01-08T00:00:00Z"),
                    new_secret_id: 2,
                    new_description: s("New"),
                    new_expires_at: None,
                }),
                "secret.rotated",
                json!({ "old_secret_id": 1, "old_description": "Old",
                        "old_expires_at": "2027-01-08T00:00:00Z", "new_secret_id": 2,
                        "new_description": "New" }),
            ),
            (
                AuditEvent::SecretDeleted(SecretLabel {
                    description: s("Old"),
                }),
                "secret.deleted",
                json!({ "description": "Old" }),
            ),
            (AuditEvent::SignedIn, "user.signed_in", json!({})),
            (AuditEvent::SignInFailed, "user.sign_in_failed", json!({})),
            (
                AuditEvent::UserInvited(Invitation {
                    email: s("new@example.com"),
                    is_admin: true,
                }),
                "user.invited",
                json!({ "email": "new@example.com", "is_admin": true }),
            ),
            (
                AuditEvent::InvitationAccepted(Role { is_admin: false }),
                "user.invitation_accepted",
                json!({ "is_admin": false }),
            ),
            (
                AuditEvent::UserUpdated(PersonChange {
                    email: s("ada@example.com"),
                    before: settings("Ada", false, true),
                    after: settings("Ada L.", true, false),
                }),
                "user.updated",
                json!({
                    "email": "ada@example.com",
                    "before": { "name": "Ada", "is_admin": false, "enabled": true },
                    "after": { "name": "Ada L.", "is_admin": true, "enabled": false },
                }),
            ),
            (
                AuditEvent::UserDeleted(Person {
                    email: s("bob@example.com"),
                }),
                "user.deleted",
                json!({ "email": "bob@example.com" }),
            ),
            (
                AuditEvent::PasswordChanged(Person {
                    email: s("ada@example.com"),
                }),
                "user.password_changed",
                json!({ "email": "ada@example.com" }),
            ),
            (
                AuditEvent::PasswordResetIssued(Person {
                    email: s("ada@example.com"),
                }),
                "user.password_reset_issued",
                json!({ "email": "ada@example.com" }),
            ),
            (AuditEvent::PasswordReset, "user.password_reset", json!({})),
            (
                AuditEvent::AppConnected(Connection {
                    scopes: vec![s("openid"), s("setup.read")],
                }),
                "app.connected",
                json!({ "scopes": ["openid", "setup.read"] }),
            ),
            (
                AuditEvent::AppDisconnected(Disconnection {
                    client_name: s("Voice"),
                    consents: 2,
                }),
                "app.disconnected",
                json!({ "client_name": "Voice", "consents": 2 }),
            ),
            (AuditEvent::AppSuspended, "app.suspended", json!({})),
            (AuditEvent::AppResumed, "app.resumed", json!({})),
            (
                AuditEvent::TokensRevoked(RevokedTokens { grants: 1 }),
                "app.tokens_revoked",
                json!({ "grants": 1 }),
            ),
            (
                AuditEvent::TokenRefused(Refusal {
                    reason: s("address_not_allowed"),
                    address: Some(s("203.0.113.7")),
                }),
                "token.refused",
                json!({ "reason": "address_not_allowed", "address": "203.0.113.7" }),
            ),
        ]
    }

    #[test]
    fn every_event_keeps_its_stored_action_and_details_shape() {
        for (event, action, details) in stored_forms() {
            assert_eq!(event.action().as_str(), action);
            assert_eq!(event.details().unwrap(), details, "{action}");
            assert_eq!(
                RecordedEvent::read(action, &details.to_string()),
                RecordedEvent::Known(event),
                "{action}"
            );
        }
    }

    #[test]
    fn every_action_has_a_stored_form_and_parses_back_from_its_text() {
        let forms = stored_forms();
        for &action in AuditAction::ALL {
            assert_eq!(action.as_str().parse(), Ok(action));
            assert!(
                forms.iter().any(|(event, ..)| event.action() == action),
                "{action} has no row in stored_forms"
            );
        }
        assert_eq!(
            "app.archived".parse::<AuditAction>(),
            Err(UnknownAction(s("app.archived")))
        );
    }

    #[test]
    fn rows_this_version_cannot_read_are_kept_by_their_action() {
        let unreadable = |action: &str| RecordedEvent::Unreadable { action: s(action) };
        // A newer version's action.
        assert_eq!(
            RecordedEvent::read("app.archived", r#"{"client_name":"Voice"}"#),
            unreadable("app.archived")
        );
        // A known action whose details lack a field, are not JSON, or hold a mode we do not know.
        assert_eq!(
            RecordedEvent::read("secret.added", "{}"),
            unreadable("secret.added")
        );
        assert_eq!(
            RecordedEvent::read("user.deleted", "not json"),
            unreadable("user.deleted")
        );
        let odd_mode = json!({ "client_code": "V", "client_name": "V", "pii_mode": "Sometimes",
                                "scopes": [], "secret_description": "P" });
        assert_eq!(
            RecordedEvent::read("app.created", &odd_mode.to_string()),
            unreadable("app.created")
        );
        // Events that carry nothing read whatever their details hold.
        assert_eq!(
            RecordedEvent::read("user.signed_in", "null"),
            RecordedEvent::Known(AuditEvent::SignedIn)
        );
    }
}
