//! The `frontdesk` command line: `users add` and configuration errors.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use crate::helpers::*;

/// Runs `frontdesk args...` on database `db` (a URL, see `database_url`).
pub fn frontdesk(db: &str, args: &[&str], stdin: &str, env: &[(&str, &str)]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_frontdesk"))
        .args(args)
        .env("DATABASE_URL", db)
        .env_remove("FRONTDESK_LISTEN")
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    // A command that unexpectedly starts serving would never end: stop it after a while.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            child.kill().unwrap();
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

#[tokio::test]
async fn users_add_creates_a_user_who_can_sign_in() {
    let dir = tempfile::tempdir().unwrap();
    // The file name `TestApp::spawn_on` serves.
    let db = database_url(&dir, "frontdesk.db").await;
    let out = frontdesk(
        &db,
        &[
            "users",
            "add",
            "--email",
            "Ops@Example.com",
            "--name",
            "Ops",
            "--admin",
        ],
        "a long enough password\n",
        &[],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let app = TestApp::spawn_on(std::sync::Arc::new(dir)).await;
    let person = app.person();
    person
        .sign_in("ops@example.com", "a long enough password")
        .await;
    let page = person.page("/apps/connected-apps").await;
    assert!(
        !select(&page, "a[data-opens-dialog]").is_empty(),
        "an account admin"
    );
}

#[tokio::test]
async fn users_add_refuses_a_short_password_and_a_duplicate_email() {
    let dir = tempfile::tempdir().unwrap();
    let db = database_url(&dir, "cli.db").await;
    let args = ["users", "add", "--email", "a@example.com"];

    let out = frontdesk(&db, &args, "short\n", &[]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("at least 12 characters"), "{err}");

    assert!(
        frontdesk(&db, &args, "twelve chars ok\n", &[])
            .status
            .success()
    );
    let out = frontdesk(&db, &args, "twelve chars ok\n", &[]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("already exists"), "{err}");
}

#[tokio::test]
async fn bad_configuration_stops_start_up_with_one_line_naming_the_variable() {
    let dir = tempfile::tempdir().unwrap();
    let db = database_url(&dir, "cfg.db").await;
    for (var, value) in [
        ("FRONTDESK_ACCOUNT_CODE", "demo"),
        ("FRONTDESK_LISTEN", "not-an-address"),
        ("FRONTDESK_PUBLIC_URL", "ftp://example.com"),
        ("FRONTDESK_SESSION_IDLE_MINUTES", "forever"),
        ("FRONTDESK_DB_MAX_CONNECTIONS", "0"),
        ("FRONTDESK_DB_TIMEOUT_SECONDS", "soon"),
    ] {
        let out = frontdesk(&db, &[], "", &[(var, value)]);
        assert_eq!(out.status.code(), Some(2), "{var}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        assert!(err.starts_with(&format!("error: {var}: ")), "{err}");
        assert!(!err.contains("panicked"));
    }
}

#[tokio::test]
async fn migrate_prepares_a_new_database_for_the_servers_that_follow() {
    let dir = tempfile::tempdir().unwrap();
    let db = database_url(&dir, "frontdesk.db").await;
    let out = frontdesk(&db, &["migrate"], "", &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("is migrated"));
    // Every migration is applied: the store is ready without migrating again.
    let store = frontdesk::store::Store::connect(&db, &Default::default())
        .await
        .unwrap();
    store.ready().await.unwrap();
    // Running it again changes nothing and succeeds.
    assert!(frontdesk(&db, &["migrate"], "", &[]).status.success());
}

#[tokio::test]
async fn keys_rotate_and_list_manage_the_signing_keys() {
    let dir = tempfile::tempdir().unwrap();
    let db = database_url(&dir, "frontdesk.db").await;
    // A served database has its first key.
    let app = TestApp::spawn_on(std::sync::Arc::new(dir)).await;
    let signing = |app: &TestApp| {
        let now = app.core.clock.now();
        app.identity.keys.current().signing(now).kid.clone()
    };
    let first = signing(&app);

    let out = frontdesk(&db, &["keys", "rotate"], "", &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed = String::from_utf8_lossy(&out.stdout).to_string();

    let out = frontdesk(&db, &["keys", "list"], "", &[]);
    assert!(out.status.success());
    let list = String::from_utf8_lossy(&out.stdout).to_string();
    let lines: Vec<&str> = list.lines().collect();
    assert_eq!(lines.len(), 3, "{list}");
    assert!(lines[0].contains("SIGNS FROM"), "{list}");
    // The new key is listed first, published but not yet signing: that starts five minutes (the
    // default FRONTDESK_KEY_ACTIVATION_SECONDS) after the rotation, at the time it printed.
    let new_kid = lines[1].split_whitespace().next().unwrap();
    let signs_from = lines[1].split_whitespace().nth(2).unwrap();
    assert!(
        printed.contains(new_kid) && printed.contains(signs_from) && printed.contains("in 300 s"),
        "{printed}\n{list}"
    );
    assert!(lines[1].contains("published, signs from"), "{list}");
    let signs_from =
        time::OffsetDateTime::parse(signs_from, &time::format_description::well_known::Rfc3339)
            .unwrap();
    let delay = signs_from - app.core.clock.now();
    assert!(
        delay > time::Duration::seconds(280) && delay <= time::Duration::seconds(300),
        "{delay}"
    );
    assert!(
        lines[2].starts_with(&first) && lines[2].ends_with("signing"),
        "{list}"
    );

    // The running server publishes the new key at once and signs with it from its activation time.
    app.identity
        .keys
        .reload_if_rotated(&app.store, app.core.clock.now())
        .await
        .unwrap();
    assert!(app.identity.keys.current().find(new_kid).is_some());
    assert_eq!(signing(&app), first);
    app.core.clock.advance(time::Duration::seconds(301));
    assert_eq!(signing(&app), new_kid);

    // `keys list` agrees, and with FRONTDESK_KEY_ACTIVATION_SECONDS=0 a rotation signs at once.
    let out = frontdesk(
        &db,
        &["keys", "rotate"],
        "",
        &[("FRONTDESK_KEY_ACTIVATION_SECONDS", "0")],
    );
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("in 0 s"));
    let out = frontdesk(&db, &["keys", "list"], "", &[]);
    let list = String::from_utf8_lossy(&out.stdout).to_string();
    let lines: Vec<&str> = list.lines().collect();
    assert!(lines[1].ends_with("signing"), "{list}");
    assert!(
        lines[2].starts_with(new_kid) && lines[2].contains("published (verifies"),
        "{list}"
    );
}

#[tokio::test]
async fn the_recovery_commands_list_promote_disable_and_reset() {
    let dir = tempfile::tempdir().unwrap();
    let db = database_url(&dir, "frontdesk.db").await;
    let app = TestApp::spawn_on(std::sync::Arc::new(dir)).await;
    app.add_user(ADMIN_EMAIL, ADMIN_PASSWORD, true).await;
    app.add_user(MEMBER_EMAIL, MEMBER_PASSWORD, false).await;
    let member_session = app.member().await;

    let out = frontdesk(&db, &["users", "list"], "", &[]);
    assert!(out.status.success());
    let list = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        list.lines()
            .any(|l| l.starts_with(ADMIN_EMAIL) && l.contains(" yes ")),
        "{list}"
    );
    assert!(
        list.lines()
            .any(|l| l.starts_with(MEMBER_EMAIL) && l.contains(" no ")),
        "{list}"
    );

    // The last admin cannot be demoted from the command line either.
    let out = frontdesk(&db, &["users", "set-admin", ADMIN_EMAIL, "false"], "", &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("last enabled account admin"));

    let out = frontdesk(&db, &["users", "set-admin", MEMBER_EMAIL, "true"], "", &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        member_session
            .get("/apps/connected-apps/create")
            .await
            .status(),
        reqwest::StatusCode::OK
    );

    let out = frontdesk(&db, &["users", "disable", MEMBER_EMAIL], "", &[]);
    assert!(out.status.success());
    assert_eq!(
        member_session.get("/apps/connected-apps").await.status(),
        reqwest::StatusCode::SEE_OTHER
    );

    let out = frontdesk(&db, &["users", "disable", "nobody@example.com"], "", &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no user with the email"));

    // A locked-out operator gets back in with a printed link.
    let out = frontdesk(
        &db,
        &["users", "reset-password", ADMIN_EMAIL],
        "",
        &[("FRONTDESK_PUBLIC_URL", &app.base)],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed = String::from_utf8_lossy(&out.stdout).to_string();
    let link = printed
        .lines()
        .find(|l| l.starts_with(&app.base))
        .unwrap()
        .to_owned();
    let path = &link[app.base.len()..];
    let person = app.person();
    let token = person.csrf(path).await;
    let r = person
        .post(
            path,
            &[
                ("csrf_token", &token),
                ("password", "operator is back in"),
                ("confirm", "operator is back in"),
            ],
        )
        .await;
    assert_eq!(r.status(), reqwest::StatusCode::SEE_OTHER);
    app.person()
        .sign_in(ADMIN_EMAIL, "operator is back in")
        .await;

    // Activity names the operator as `frontdesk apps` commands do: `cli`, with no address.
    let actors: Vec<(Option<String>, Option<String>)> = frontdesk::on_db!(app.store.pool(), p => {
        sqlx::query_as(
            "SELECT actor_email, source_addr FROM audit_log
             WHERE action IN ('user.updated', 'user.password_reset_issued') ORDER BY id",
        )
        .fetch_all(p)
        .await
    })
    .unwrap();
    assert_eq!(actors.len(), 3, "{actors:?}");
    assert!(
        actors.iter().all(|a| *a == (Some("cli".to_owned()), None)),
        "{actors:?}"
    );
}
