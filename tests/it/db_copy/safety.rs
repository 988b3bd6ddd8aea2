//! What `frontdesk db copy` refuses, and what it leaves behind when it fails: nothing.

use super::{db_copy, sqlite_url};
use crate::helpers::*;

#[tokio::test]
async fn db_copy_refuses_a_target_that_is_not_empty_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let from = sqlite_url(&dir, "old.db");
    let source = frontdesk::store::Store::open(&from).await.unwrap();
    add_user(&source, "old@example.com").await;
    let to = database_url(&dir, "new.db").await;
    let target = frontdesk::store::Store::open(&to).await.unwrap();
    add_user(&target, "already@example.com").await;

    let out = db_copy(&from, &to);

    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("is not empty: table users has 1 row"), "{err}");
    let emails: Vec<String> = target
        .list_users()
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.email)
        .collect();
    assert_eq!(emails, ["already@example.com"]);
}

/// Adds a member to `store` as `frontdesk users add` does.
async fn add_user(store: &frontdesk::store::Store, email: &str) {
    let password = std::io::Cursor::new("a long enough password\n");
    frontdesk::cli::users::add_user(store, email, None, false, password)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_copy_that_fails_halfway_leaves_the_target_empty() {
    let dir = tempfile::tempdir().unwrap();
    let from = sqlite_url(&dir, "old.db");
    let source = frontdesk::store::Store::open(&from).await.unwrap();
    add_user(&source, "old@example.com").await;
    // A scope of an app that does not exist: the target's foreign key refuses it, after the users.
    frontdesk::on_db!(source.pool(), p => {
        let mut conn = p.acquire().await.unwrap();
        sqlx::query("PRAGMA foreign_keys = OFF").execute(&mut *conn).await.unwrap();
        sqlx::query("INSERT INTO app_scopes (app_id, scope) VALUES (42, 'setup.read')")
            .execute(&mut *conn)
            .await
            .unwrap();
        sqlx::query("PRAGMA foreign_keys = ON").execute(&mut *conn).await.unwrap();
    });
    let to = database_url(&dir, "new.db").await;

    let out = db_copy(&from, &to);

    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("error: copying table app_scopes: "),
        "{err}"
    );
    let target = frontdesk::store::Store::open(&to).await.unwrap();
    assert_eq!(
        target.count_users().await.unwrap(),
        0,
        "the users copied first are gone"
    );
}

#[tokio::test]
async fn db_copy_explains_a_bad_url_or_an_outdated_source_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let from = sqlite_url(&dir, "old.db");
    let source = frontdesk::store::Store::open(&from).await.unwrap();
    let to = sqlite_url(&dir, "new.db");

    let missing = sqlite_url(&dir, "typo.db");
    let behind = frontdesk::on_db!(source.pool(), p => sqlx::query(
        "DELETE FROM _sqlx_migrations WHERE version = (SELECT MAX(version) FROM _sqlx_migrations)")
        .execute(p).await.map(|r| r.rows_affected()))
    .unwrap();
    assert_eq!(behind, 1);
    for (from, to, says) in [
        (
            from.as_str(),
            "mysql://u:hunter2@db/frontdesk",
            "error: --to: expected sqlite://FILE or postgres://",
        ),
        (
            missing.as_str(),
            to.as_str(),
            "error: --from: no such SQLite file",
        ),
        (from.as_str(), to.as_str(), "frontdesk migrate"),
    ] {
        let out = db_copy(from, to);
        assert_eq!(out.status.code(), Some(1), "{from} -> {to}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        assert!(err.contains(says), "{err}");
        assert!(!err.contains("hunter2"), "{err}");
    }
    assert!(
        !dir.path().join("typo.db").exists(),
        "a mistyped source is not created"
    );
    assert!(
        !dir.path().join("new.db").exists(),
        "nothing is written for an outdated source"
    );
}

#[tokio::test]
async fn every_column_of_the_schema_is_copied_or_left_out_on_purpose() {
    let dir = tempfile::tempdir().unwrap();
    let store = frontdesk::store::Store::open(&database_url(&dir, "schema.db").await)
        .await
        .unwrap();
    // (table, column) of every table the migrations made.
    let sql = if on_postgres() {
        "SELECT table_name::TEXT, column_name::TEXT FROM information_schema.columns
         WHERE table_schema = current_schema()"
    } else {
        "SELECT m.name, c.name FROM sqlite_master m, pragma_table_info(m.name) c
         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'"
    };
    let schema: Vec<(String, String)> = frontdesk::on_db!(store.pool(), p => {
        sqlx::query_as(sql).fetch_all(p).await
    })
    .unwrap();
    let left_out: Vec<&str> = frontdesk::store::NOT_COPIED
        .iter()
        .map(|(t, _)| *t)
        .collect();
    let mut in_schema: Vec<(String, String)> = schema
        .into_iter()
        .filter(|(table, _)| !left_out.contains(&table.as_str()))
        .collect();
    in_schema.sort();
    let mut copied: Vec<(String, String)> = frontdesk::store::TABLES
        .iter()
        .flat_map(|t| t.column_names().map(|c| (t.name.to_owned(), c.to_owned())))
        .collect();
    copied.sort();
    assert_eq!(
        copied, in_schema,
        "a migration changed the schema: name the column in store/copy/tables.rs, or the table in \
         NOT_COPIED with the reason"
    );
}
