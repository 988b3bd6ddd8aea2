//! Which unique key a write ran into, read from the database's error, so callers can name the field.

use sqlx::error::DatabaseError;

/// A unique key of the schema (see `migrations/`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Constraint {
    /// `users.email`: one person, one row.
    UserEmail,
    /// `apps.client_id`.
    ClientId,
    /// `apps (account_code, client_code)`: a client code is unique within its account.
    ClientCode,
    /// `app_secrets (app_id, lookup_id)`: the index the token endpoint finds a secret by.
    SecretLookupId,
    /// `app_scopes (app_id, scope)`: an app holds each scope once.
    AppScope,
    /// `signing_keys.kid`.
    SigningKeyId,
    /// `user_links.token_hash`.
    LinkToken,
    /// `revoked_tokens.jti`.
    RevokedToken,
}

/// Each key as SQLite names it (its columns, after "UNIQUE constraint failed: ") and as PostgreSQL
/// would (the constraint or unique index name its DDL gives it).
const KEYS: [(Constraint, &str, &str); 8] = [
    (Constraint::UserEmail, "users.email", "users_email_key"),
    (Constraint::ClientId, "apps.client_id", "apps_client_id_key"),
    (
        Constraint::ClientCode,
        "apps.account_code, apps.client_code",
        "apps_account_code_client_code_key",
    ),
    (
        Constraint::SecretLookupId,
        "app_secrets.app_id, app_secrets.lookup_id",
        "app_secrets_by_lookup",
    ),
    (
        Constraint::AppScope,
        "app_scopes.app_id, app_scopes.scope",
        "app_scopes_pkey",
    ),
    (
        Constraint::SigningKeyId,
        "signing_keys.kid",
        "signing_keys_kid_key",
    ),
    (
        Constraint::LinkToken,
        "user_links.token_hash",
        "user_links_token_hash_key",
    ),
    (
        Constraint::RevokedToken,
        "revoked_tokens.jti",
        "revoked_tokens_pkey",
    ),
];

impl Constraint {
    /// The unique key `error` violated; `None` for any other error, or a key this schema does not have.
    /// Drivers that report the constraint's name (PostgreSQL) are read by name; SQLite reports only
    /// the columns, in its message.
    pub fn violated_by(error: &dyn DatabaseError) -> Option<Self> {
        if !error.is_unique_violation() {
            return None;
        }
        if let Some(name) = error.constraint() {
            return KEYS.iter().find(|k| k.2 == name).map(|k| k.0);
        }
        let columns = error.message().strip_prefix("UNIQUE constraint failed: ")?;
        KEYS.iter().find(|k| k.1 == columns).map(|k| k.0)
    }

    /// What the key is, for messages and logs.
    pub fn describe(self) -> &'static str {
        match self {
            Self::UserEmail => "a user with this email exists",
            Self::ClientId => "an app with this client ID exists",
            Self::ClientCode => "the account has an app with this client code",
            Self::SecretLookupId => "the app has a secret with this lookup id",
            Self::AppScope => "the app holds this scope already",
            Self::SigningKeyId => "a signing key with this key id exists",
            Self::LinkToken => "a link with this token exists",
            Self::RevokedToken => "this token is revoked already",
        }
    }
}

impl std::fmt::Display for Constraint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.describe())
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use sqlx::error::ErrorKind;
    use sqlx::{Connection, SqliteConnection};

    use super::*;

    /// An error as a driver that names constraints (PostgreSQL) reports it.
    #[derive(Debug)]
    struct NamedViolation {
        unique: bool,
        constraint: &'static str,
    }

    impl std::fmt::Display for NamedViolation {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "violates unique constraint \"{}\"", self.constraint)
        }
    }

    impl std::error::Error for NamedViolation {}

    impl DatabaseError for NamedViolation {
        fn message(&self) -> &str {
            "duplicate key value violates unique constraint"
        }
        fn code(&self) -> Option<Cow<'_, str>> {
            Some("23505".into())
        }
        fn as_error(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
            self
        }
        fn as_error_mut(&mut self) -> &mut (dyn std::error::Error + Send + Sync + 'static) {
            self
        }
        fn into_error(self: Box<Self>) -> Box<dyn std::error::Error + Send + Sync + 'static> {
            self
        }
        fn constraint(&self) -> Option<&str> {
            Some(self.constraint)
        }
        fn kind(&self) -> ErrorKind {
            if self.unique {
                ErrorKind::UniqueViolation
            } else {
                ErrorKind::ForeignKeyViolation
            }
        }
    }

    fn named(constraint: &'static str) -> NamedViolation {
        NamedViolation {
            unique: true,
            constraint,
        }
    }

    #[test]
    fn postgres_constraint_names_map_to_their_keys() {
        let cases = [
            ("users_email_key", Constraint::UserEmail),
            ("apps_client_id_key", Constraint::ClientId),
            ("apps_account_code_client_code_key", Constraint::ClientCode),
            ("app_secrets_by_lookup", Constraint::SecretLookupId),
            ("app_scopes_pkey", Constraint::AppScope),
            ("signing_keys_kid_key", Constraint::SigningKeyId),
            ("user_links_token_hash_key", Constraint::LinkToken),
            ("revoked_tokens_pkey", Constraint::RevokedToken),
        ];
        for (name, expected) in cases {
            assert_eq!(
                Constraint::violated_by(&named(name)),
                Some(expected),
                "{name}"
            );
        }
        assert_eq!(Constraint::violated_by(&named("some_other_key")), None);
        let not_unique = NamedViolation {
            unique: false,
            constraint: "users_email_key",
        };
        assert_eq!(Constraint::violated_by(&not_unique), None);
    }

    /// Runs `sql` against a migrated database holding one user, one app with one secret and scope, one
    /// signing key, one link and one revoked token; returns the key it violated.
    async fn violation(sql: &str) -> Option<Constraint> {
        let mut conn = SqliteConnection::connect("sqlite::memory:").await.unwrap();
        sqlx::migrate!("./migrations/sqlite")
            .run(&mut conn)
            .await
            .unwrap();
        let seed = [
            "INSERT INTO users (id, email, display_name, password_hash, created_at)
             VALUES (1, 'ada@example.com', 'Ada', 'x', 't')",
            "INSERT INTO apps (id, client_id, account_code, client_code, client_name, pii_mode, created_at)
             VALUES (1, 'DEMO-SP-ONE', 'DEMO', 'ONE', 'One', 'Retrieve', 't')",
            "INSERT INTO app_secrets (app_id, description, lookup_id, secret_hash, created_at)
             VALUES (1, 'd', 'abcdefgh', 'x', 't')",
            "INSERT INTO app_scopes (app_id, scope) VALUES (1, 'setup.read')",
            "INSERT INTO signing_keys (kid, private_key, created_at) VALUES ('k1', 'x', 't')",
            "INSERT INTO user_links (kind, token_hash, email, created_at, expires_at)
             VALUES ('invitation', 'h1', 'bob@example.com', 't', 't')",
            "INSERT INTO revoked_tokens (jti, client_id, expires_at) VALUES ('j1', 'DEMO-SP-ONE', 't')",
        ];
        for statement in seed {
            sqlx::query(statement).execute(&mut conn).await.unwrap();
        }
        let error = sqlx::query(sql).execute(&mut conn).await.unwrap_err();
        Constraint::violated_by(error.as_database_error().unwrap())
    }

    #[tokio::test]
    async fn sqlite_errors_map_to_the_key_they_violated() {
        let cases = [
            (
                "INSERT INTO users (email, display_name, password_hash, created_at)
                 VALUES ('ada@example.com', 'Ada again', 'x', 't')",
                Some(Constraint::UserEmail),
            ),
            (
                "INSERT INTO apps (client_id, account_code, client_code, client_name, pii_mode, created_at)
                 VALUES ('DEMO-SP-ONE', 'OTHER', 'TWO', 'Two', 'Retrieve', 't')",
                Some(Constraint::ClientId),
            ),
            (
                "INSERT INTO apps (client_id, account_code, client_code, client_name, pii_mode, created_at)
                 VALUES ('DEMO-SP-ONE-BIS', 'DEMO', 'ONE', 'Two', 'Retrieve', 't')",
                Some(Constraint::ClientCode),
            ),
            (
                "INSERT INTO app_secrets (app_id, description, lookup_id, secret_hash, created_at)
                 VALUES (1, 'again', 'abcdefgh', 'y', 't')",
                Some(Constraint::SecretLookupId),
            ),
            (
                "INSERT INTO app_scopes (app_id, scope) VALUES (1, 'setup.read')",
                Some(Constraint::AppScope),
            ),
            (
                "INSERT INTO signing_keys (kid, private_key, created_at) VALUES ('k1', 'y', 't')",
                Some(Constraint::SigningKeyId),
            ),
            (
                "INSERT INTO user_links (kind, token_hash, email, created_at, expires_at)
                 VALUES ('password_reset', 'h1', 'ada@example.com', 't', 't')",
                Some(Constraint::LinkToken),
            ),
            (
                "INSERT INTO revoked_tokens (jti, client_id, expires_at) VALUES ('j1', 'x', 't')",
                Some(Constraint::RevokedToken),
            ),
            // Not a unique key: a foreign key and a check.
            (
                "INSERT INTO app_scopes (app_id, scope) VALUES (99, 'setup.read')",
                None,
            ),
            (
                "INSERT INTO user_links (kind, token_hash, email, created_at, expires_at)
                 VALUES ('other', 'h2', 'bob@example.com', 't', 't')",
                None,
            ),
        ];
        for (sql, expected) in cases {
            assert_eq!(violation(sql).await, expected, "{sql}");
        }
    }
}
