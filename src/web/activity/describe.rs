//! How each audit record reads on a page: its title and what changed, one line each.

use crate::domain::audit::{Change, PersonChange};
use crate::domain::{AuditEvent, RecordedEvent, StoreSettings};
use crate::store::AuditRecord;
use crate::web::apps::Moment;

/// One event as a person reads it.
pub struct EventView {
    pub when: Moment,
    pub actor: String,
    pub source: String,
    pub title: String,
    pub client_id: Option<String>,
    /// What changed, one line each.
    pub changes: Vec<String>,
}

/// A stored RFC 3339 moment as "2027-04-01 00:00 UTC" (as stored, if it cannot be read).
fn expiry_text(at: &str) -> String {
    match time::OffsetDateTime::parse(at, &time::format_description::well_known::Rfc3339) {
        Ok(t) => format!("{} UTC", Moment::of(t).minute),
        Err(_) => at.to_owned(),
    }
}

fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

/// "Label: before → after" when the two differ.
fn changed(lines: &mut Vec<String>, label: &str, before: &str, after: &str) {
    if before != after {
        lines.push(format!("{label}: {before} → {after}"));
    }
}

/// A store app's own settings, one line each (an edit shows the lines that differ, as they are now).
fn store_lines(store: &StoreSettings) -> Vec<String> {
    vec![
        format!(
            "Logo URL: {}",
            store.logo_url.as_deref().unwrap_or("(none)")
        ),
        format!("Redirect URIs: {}", store.redirect_uris.join(", ")),
        format!(
            "Post-logout redirect URIs: {}",
            store.post_logout_redirect_uris.join(", ")
        ),
        format!("Require PKCE: {}", yes_no(store.require_pkce)),
    ]
}

fn lifetime(seconds: Option<i64>) -> String {
    seconds.map_or_else(|| "server default".to_owned(), |s| format!("{s} seconds"))
}

fn addresses(list: &[String]) -> String {
    if list.is_empty() {
        "any".to_owned()
    } else {
        list.join(", ")
    }
}

/// An event's title and what changed, one line each, as the Activity pages word them.
pub fn description(event: &RecordedEvent) -> (String, Vec<String>) {
    let event = match event {
        RecordedEvent::Known(event) => event,
        RecordedEvent::Unreadable { action } => return (action.clone(), Vec::new()),
    };
    match event {
        AuditEvent::AppCreated(app) => {
            let mut lines = vec![
                format!("Client name: {}", app.client_name),
                format!(
                    "Personally identifiable information: {}",
                    app.pii_mode.label()
                ),
                format!("Scopes: {}", app.scopes.join(", ")),
                format!("Secret: {}", app.secret_description),
            ];
            if let Some(at) = &app.secret_expires_at {
                lines.push(format!("Secret expires: {}", expiry_text(at)));
            }
            if let Some(store) = &app.store {
                lines.push("Kind: Store app".into());
                lines.extend(store_lines(store));
            }
            ("App created".into(), lines)
        }
        AuditEvent::AppEdited(Change { before, after }) => {
            let mut lines = Vec::new();
            changed(
                &mut lines,
                "Client name",
                &before.client_name,
                &after.client_name,
            );
            changed(
                &mut lines,
                "Personally identifiable information",
                before.pii_mode.label(),
                after.pii_mode.label(),
            );
            let (old, new) = (&before.scopes, &after.scopes);
            let added: Vec<&str> = new
                .iter()
                .filter(|s| !old.contains(s))
                .map(String::as_str)
                .collect();
            let removed: Vec<&str> = old
                .iter()
                .filter(|s| !new.contains(s))
                .map(String::as_str)
                .collect();
            if !added.is_empty() {
                lines.push(format!("Scopes added: {}", added.join(", ")));
            }
            if !removed.is_empty() {
                lines.push(format!("Scopes removed: {}", removed.join(", ")));
            }
            if let (Some(old), Some(new)) = (&before.store, &after.store) {
                let (old, new) = (store_lines(old), store_lines(new));
                lines.extend(new.into_iter().filter(|line| !old.contains(line)));
            }
            changed(
                &mut lines,
                "Access token lifetime",
                &lifetime(before.token_lifetime_seconds),
                &lifetime(after.token_lifetime_seconds),
            );
            changed(
                &mut lines,
                "Allowed addresses",
                &addresses(&before.allowed_addresses),
                &addresses(&after.allowed_addresses),
            );
            ("App edited".into(), lines)
        }
        AuditEvent::SecretAdded(secret) => (
            "Secret added".into(),
            vec![
                format!("Description: {}", secret.description),
                format!(
                    "Expires: {}",
                    secret
                        .expires_at
                        .as_deref()
                        .map_or("never".into(), expiry_text)
                ),
            ],
        ),
        AuditEvent::SecretRotated(r) => (
            "Secret rotated".into(),
            vec![
                format!("New secret: {}", r.new_description),
                format!(
                    "New secret expires: {}",
                    r.new_expires_at
                        .as_deref()
                        .map_or("never".into(), expiry_text)
                ),
                format!("Old secret: {}", r.old_description),
                format!("Old secret expires: {}", expiry_text(&r.old_expires_at)),
            ],
        ),
        AuditEvent::SecretDeleted(secret) => (
            "Secret deleted".into(),
            vec![format!("Description: {}", secret.description)],
        ),
        AuditEvent::AppDeleted(app) => (
            "App deleted".into(),
            vec![format!("Client name: {}", app.client_name)],
        ),
        AuditEvent::AppSuspended => ("App suspended".into(), Vec::new()),
        AuditEvent::AppResumed => ("App resumed".into(), Vec::new()),
        AuditEvent::TokensRevoked(revoked) => (
            "All tokens revoked".into(),
            vec![format!("Grants revoked: {}", revoked.grants)],
        ),
        AuditEvent::TokenRefused(refusal) => (
            "Token refused".into(),
            vec![format!(
                "Address not allowed: {}",
                refusal.address.as_deref().unwrap_or("(unknown)")
            )],
        ),
        AuditEvent::SignedIn => ("Signed in".into(), Vec::new()),
        AuditEvent::SignInFailed => ("Sign-in failed".into(), Vec::new()),
        AuditEvent::UserInvited(invitation) => (
            format!("Invited {}", invitation.email),
            vec![format!("Account admin: {}", yes_no(invitation.is_admin))],
        ),
        AuditEvent::InvitationAccepted(_) => ("Invitation accepted".into(), Vec::new()),
        AuditEvent::UserUpdated(PersonChange {
            email,
            before,
            after,
        }) => {
            let mut lines = Vec::new();
            changed(&mut lines, "Name", &before.name, &after.name);
            changed(
                &mut lines,
                "Account admin",
                yes_no(before.is_admin),
                yes_no(after.is_admin),
            );
            changed(
                &mut lines,
                "Enabled",
                yes_no(before.enabled),
                yes_no(after.enabled),
            );
            (format!("Changed {email}"), lines)
        }
        AuditEvent::UserDeleted(person) => (format!("Deleted {}", person.email), Vec::new()),
        AuditEvent::PasswordChanged(_) => ("Password changed".into(), Vec::new()),
        AuditEvent::PasswordResetIssued(person) => (
            format!("Password reset link for {}", person.email),
            Vec::new(),
        ),
        AuditEvent::PasswordReset => ("Password reset".into(), Vec::new()),
        AuditEvent::AppConnected(connection) => (
            "App connected".into(),
            vec![format!("Scopes: {}", connection.scopes.join(", "))],
        ),
        AuditEvent::AppDisconnected(gone) => (
            "App disconnected".into(),
            vec![
                format!("Client name: {}", gone.client_name),
                format!("Consents removed: {}", gone.consents),
            ],
        ),
    }
}

pub fn describe(record: AuditRecord) -> EventView {
    let (title, changes) = description(&record.event);
    EventView {
        when: Moment::of(record.at),
        actor: record.actor_email.unwrap_or_else(|| "frontdesk".into()),
        source: record
            .source_addr
            .unwrap_or_else(|| "unknown address".into()),
        title,
        client_id: record.client_id,
        changes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::AuditAction;
    use crate::domain::PiiMode::{DontRetrieve, Retrieve};
    use crate::domain::audit::{
        AddedSecret, AppRegistration, AppSettings, Connection, DeletedApp, Disconnection,
        Invitation, Person, PersonSettings, Refusal, RevokedTokens, Role, SecretLabel,
        SecretRotation,
    };

    fn app(name: &str, pii_mode: crate::domain::PiiMode, scopes: &[&str]) -> AppSettings {
        AppSettings {
            client_name: name.into(),
            pii_mode,
            scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
            ..AppSettings::default()
        }
    }

    fn edited(before: AppSettings, after: AppSettings) -> AuditEvent {
        AuditEvent::AppEdited(Change { before, after })
    }

    fn person(name: &str, is_admin: bool, enabled: bool) -> PersonSettings {
        PersonSettings {
            name: name.into(),
            is_admin,
            enabled,
        }
    }

    fn updated(before: PersonSettings, after: PersonSettings) -> AuditEvent {
        AuditEvent::UserUpdated(PersonChange {
            email: "ada@example.com".into(),
            before,
            after,
        })
    }

    fn ada() -> Person {
        Person {
            email: "ada@example.com".into(),
        }
    }

    /// Every action (and each kind of edit), and exactly how the Activity page words it.
    fn table() -> Vec<(AuditEvent, &'static str, Vec<&'static str>)> {
        let voice = app("Voice", Retrieve, &["setup.read", "reservations.read"]);
        vec![
            (
                AuditEvent::AppCreated(AppRegistration {
                    client_code: "VOICE".into(),
                    client_name: "Voice".into(),
                    pii_mode: DontRetrieve,
                    scopes: vec!["setup.read".into(), "reservations.read".into()],
                    secret_description: "Production".into(),
                    secret_expires_at: None,
                    store: None,
                }),
                "App created",
                vec![
                    "Client name: Voice",
                    "Personally identifiable information: Don't retrieve",
                    "Scopes: setup.read, reservations.read",
                    "Secret: Production",
                ],
            ),
            (
                edited(
                    voice.clone(),
                    app("Voice 2", Retrieve, &["setup.read", "reservations.read"]),
                ),
                "App edited",
                vec!["Client name: Voice → Voice 2"],
            ),
            (
                edited(
                    voice.clone(),
                    app("Voice", DontRetrieve, &["setup.read", "reservations.read"]),
                ),
                "App edited",
                vec!["Personally identifiable information: Retrieve → Don't retrieve"],
            ),
            (
                edited(
                    voice.clone(),
                    app(
                        "Voice",
                        Retrieve,
                        &["folios.read", "setup.read", "rates.read"],
                    ),
                ),
                "App edited",
                vec![
                    "Scopes added: folios.read, rates.read",
                    "Scopes removed: reservations.read",
                ],
            ),
            (
                edited(voice.clone(), app("Voice", Retrieve, &[])),
                "App edited",
                vec!["Scopes removed: setup.read, reservations.read"],
            ),
            (
                edited(
                    voice.clone(),
                    app("Hotel voice", DontRetrieve, &["setup.read"]),
                ),
                "App edited",
                vec![
                    "Client name: Voice → Hotel voice",
                    "Personally identifiable information: Retrieve → Don't retrieve",
                    "Scopes removed: reservations.read",
                ],
            ),
            (
                AuditEvent::AppDeleted(DeletedApp {
                    client_code: "VOICE".into(),
                    client_name: "Voice".into(),
                    secrets: 2,
                }),
                "App deleted",
                vec!["Client name: Voice"],
            ),
            (
                AuditEvent::SecretAdded(AddedSecret {
                    description: "Rotated in November".into(),
                    expires_at: None,
                }),
                "Secret added",
                vec!["Description: Rotated in November", "Expires: never"],
            ),
            (
                AuditEvent::SecretAdded(AddedSecret {
                    description: "Rotated in November".into(),
                    expires_at: Some("2027-04-01T00:00:00Z".into()),
                }),
                "Secret added",
                vec![
                    "Description: Rotated in November",
                    "Expires: 2027-04-01 00:00 UTC",
                ],
            ),
            (
                AuditEvent::SecretRotated(SecretRotation {
                    old_secret_id: 1,
                    old_description: "Old".into(),
                    old_expires_at: "2027-01-08T12:30:00Z".into(),
                    new_secret_id: 2,
                    new_description: "New".into(),
                    new_expires_at: None,
                }),
                "Secret rotated",
                vec![
                    "New secret: New",
                    "New secret expires: never",
                    "Old secret: Old",
                    "Old secret expires: 2027-01-08 12:30 UTC",
                ],
            ),
            (
                AuditEvent::SecretDeleted(SecretLabel {
                    description: "Production".into(),
                }),
                "Secret deleted",
                vec!["Description: Production"],
            ),
            (AuditEvent::SignedIn, "Signed in", vec![]),
            (AuditEvent::SignInFailed, "Sign-in failed", vec![]),
            (
                AuditEvent::UserInvited(Invitation {
                    email: "new@example.com".into(),
                    is_admin: true,
                }),
                "Invited new@example.com",
                vec!["Account admin: yes"],
            ),
            (
                AuditEvent::UserInvited(Invitation {
                    email: "new@example.com".into(),
                    is_admin: false,
                }),
                "Invited new@example.com",
                vec!["Account admin: no"],
            ),
            (
                AuditEvent::InvitationAccepted(Role { is_admin: true }),
                "Invitation accepted",
                vec![],
            ),
            (
                updated(person("Ada", false, true), person("Ada L.", false, true)),
                "Changed ada@example.com",
                vec!["Name: Ada → Ada L."],
            ),
            (
                updated(person("Ada", false, true), person("Ada", true, true)),
                "Changed ada@example.com",
                vec!["Account admin: no → yes"],
            ),
            (
                updated(person("Ada", true, true), person("Ada", true, false)),
                "Changed ada@example.com",
                vec!["Enabled: yes → no"],
            ),
            (
                updated(person("Ada", true, false), person("A.", false, true)),
                "Changed ada@example.com",
                vec![
                    "Name: Ada → A.",
                    "Account admin: yes → no",
                    "Enabled: no → yes",
                ],
            ),
            (
                updated(person("Ada", true, true), person("Ada", true, true)),
                "Changed ada@example.com",
                vec![],
            ),
            (
                AuditEvent::UserDeleted(Person {
                    email: "bob@example.com".into(),
                }),
                "Deleted bob@example.com",
                vec![],
            ),
            (
                AuditEvent::PasswordChanged(ada()),
                "Password changed",
                vec![],
            ),
            (
                AuditEvent::PasswordResetIssued(ada()),
                "Password reset link for ada@example.com",
                vec![],
            ),
            (AuditEvent::PasswordReset, "Password reset", vec![]),
            (
                AuditEvent::AppConnected(Connection {
                    scopes: vec!["openid".into(), "setup.read".into()],
                }),
                "App connected",
                vec!["Scopes: openid, setup.read"],
            ),
            (
                AuditEvent::AppDisconnected(Disconnection {
                    client_name: "Voice".into(),
                    consents: 1,
                }),
                "App disconnected",
                vec!["Client name: Voice", "Consents removed: 1"],
            ),
            (
                edited(
                    voice.clone(),
                    AppSettings {
                        token_lifetime_seconds: Some(600),
                        allowed_addresses: vec!["203.0.113.7".into(), "2001:db8::/32".into()],
                        ..voice.clone()
                    },
                ),
                "App edited",
                vec![
                    "Access token lifetime: server default \u{2192} 600 seconds",
                    "Allowed addresses: any \u{2192} 203.0.113.7, 2001:db8::/32",
                ],
            ),
            (AuditEvent::AppSuspended, "App suspended", vec![]),
            (AuditEvent::AppResumed, "App resumed", vec![]),
            (
                AuditEvent::TokensRevoked(RevokedTokens { grants: 2 }),
                "All tokens revoked",
                vec!["Grants revoked: 2"],
            ),
            (
                AuditEvent::TokenRefused(Refusal {
                    reason: "address_not_allowed".into(),
                    address: Some("198.51.100.9".into()),
                }),
                "Token refused",
                vec!["Address not allowed: 198.51.100.9"],
            ),
        ]
    }

    #[test]
    fn each_event_is_described_as_the_activity_page_shows_it() {
        for (event, title, changes) in table() {
            let (got_title, got_changes) = description(&RecordedEvent::Known(event.clone()));
            assert_eq!(
                (got_title.as_str(), got_changes),
                (title, changes.iter().map(|c| (*c).to_owned()).collect()),
                "{event:?}"
            );
        }
    }

    #[test]
    fn the_table_covers_every_action() {
        let table = table();
        for &action in AuditAction::ALL {
            assert!(
                table.iter().any(|(event, ..)| event.action() == action),
                "no description row for {action}"
            );
        }
    }

    #[test]
    fn a_row_this_version_cannot_read_shows_its_stored_action() {
        for (action, details) in [
            ("app.archived", r#"{"client_name":"Voice"}"#),
            ("secret.added", "{}"),
        ] {
            assert_eq!(
                description(&RecordedEvent::read(action, details)),
                (action.to_owned(), Vec::new())
            );
        }
    }
}
