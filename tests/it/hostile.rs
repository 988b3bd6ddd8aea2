//! The hostile input table: every form and every identity endpoint, sent what an attacker or a broken
//! client sends. Each answer is a 4xx with a message a person (or an OAuth client) can act on, and the
//! database is byte-for-byte what it was before (compared as a dump of every table but `sessions`, whose
//! rows are the visitors' own and change on every request, and `attempt_counts` and `rate_limits`, whose
//! whole purpose is to count failures).
//!
//! Free text that is merely unusual (quotes, angle brackets, SQL words) is a legitimate name: it is stored
//! exactly as typed and shown escaped everywhere, which `free_text_is_stored_verbatim_and_escaped_everywhere`
//! proves.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE};
use serde_json::Value;

use crate::helpers::*;

/// Every row of every table but `sessions`, `attempt_counts` and `rate_limits`, and the schema, as text. Two dumps are equal only if nothing
/// was written.
pub async fn dump(app: &TestApp) -> Vec<String> {
    match app.store.pool() {
        frontdesk::store::Pool::Sqlite(pool) => dump_sqlite(pool).await,
        frontdesk::store::Pool::Postgres(pool) => dump_postgres(pool).await,
    }
}

/// SQLite: `quote()` renders any value exactly, blobs included.
async fn dump_sqlite(pool: &sqlx::SqlitePool) -> Vec<String> {
    let mut out: Vec<String> = sqlx::query_scalar(
        "SELECT type || ' ' || name || ': ' || COALESCE(sql, '') FROM sqlite_master ORDER BY name",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT IN ('sessions', 'attempt_counts', 'rate_limits') ORDER BY name",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    for table in tables {
        let columns: Vec<String> = sqlx::query_scalar("SELECT name FROM pragma_table_info($1)")
            .bind(&table)
            .fetch_all(pool)
            .await
            .unwrap();
        let row = columns
            .iter()
            .map(|c| format!("quote(\"{c}\")"))
            .collect::<Vec<_>>()
            .join(" || '|' || ");
        let rows: Vec<String> =
            sqlx::query_scalar(&format!("SELECT {row} FROM \"{table}\" ORDER BY rowid"))
                .fetch_all(pool)
                .await
                .unwrap();
        out.extend(rows.into_iter().map(|r| format!("{table}: {r}")));
    }
    out
}

/// PostgreSQL: the schema from the catalogue, each row as its text form (`t::text` renders every column).
async fn dump_postgres(pool: &sqlx::PgPool) -> Vec<String> {
    let mut out: Vec<String> = sqlx::query_scalar(
        "SELECT table_name || '.' || column_name || ' ' || data_type || ' ' || COALESCE(column_default, '')
         FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, ordinal_position",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    out.extend(
        sqlx::query_scalar::<_, String>(
            "SELECT indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY indexname",
        )
        .fetch_all(pool)
        .await
        .unwrap(),
    );
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables
         WHERE table_schema = 'public' AND table_name NOT IN ('sessions', 'attempt_counts', 'rate_limits') ORDER BY table_name",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    for table in tables {
        let rows: Vec<String> =
            sqlx::query_scalar(&format!("SELECT t::text FROM \"{table}\" t ORDER BY 1"))
                .fetch_all(pool)
                .await
                .unwrap();
        out.extend(rows.into_iter().map(|r| format!("{table}: {r}")));
    }
    out
}

/// Values that no text field accepts.
fn refused_text() -> Vec<(&'static str, String)> {
    vec![
        ("over-long", "x".repeat(10_000)),
        ("empty", String::new()),
        ("whitespace only", " \t  ".into()),
        ("NUL byte", "App\0name".into()),
        ("terminal escape", "App\u{1b}[2Jname".into()),
        ("line break", "App\r\nSet-Cookie: x=y".into()),
        ("right-to-left override", "App\u{202E}eman".into()),
        ("zero-width space", "App\u{200B}".into()),
    ]
}

/// Values a checkbox never sends (ours send `yes` or nothing).
fn refused_checkbox() -> Vec<(&'static str, String)> {
    vec![
        ("on", "on".into()),
        ("upper case", "YES".into()),
        ("true", "true".into()),
        ("with NUL", "yes\0".into()),
        ("over-long", "yes".repeat(3000)),
    ]
}

/// Client codes that must not become an app (the mixed-case one collides with `EXISTING`).
fn refused_codes() -> Vec<(&'static str, String)> {
    let mut v = refused_text();
    v.extend([
        ("mixed case of an existing code", "ExIsTiNg".into()),
        ("Cyrillic look-alike", "ЕXISTING".into()),
        ("full-width look-alike", "ＥＸＩＳＴＩＮＧ".into()),
        ("SQL", "X'; DROP TABLE apps; --".into()),
        ("HTML", "<b>X</b>".into()),
        ("33 characters", "A".repeat(33)),
        ("hyphen", "SP-X".into()),
    ]);
    v
}

/// How a case reaches the server.
#[derive(Clone)]
enum Payload {
    Form(Vec<(String, String)>),
    Raw {
        content_type: &'static str,
        body: Vec<u8>,
    },
}

struct Case {
    name: String,
    payload: Payload,
}

/// One dashboard form: where it is shown (for the CSRF token), where it posts, a valid filling, and which
/// of its fields are free text.
struct Target<'a> {
    who: &'a Person,
    page: String,
    action: String,
    valid: Vec<(&'static str, String)>,
    text_fields: Vec<&'static str>,
    /// Forms whose only field is the CSRF token cannot be sent "missing fields".
    has_fields: bool,
}

fn form(fields: &[(&str, String)]) -> Vec<(String, String)> {
    fields
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect()
}

/// The hostile cases for a form; each is complete (CSRF token included) unless it is the missing-token
/// case.
fn cases_for(target: &Target<'_>, token: &str) -> Vec<Case> {
    let with_token = |fields: &[(&'static str, String)]| {
        let mut f = vec![("csrf_token".to_owned(), token.to_owned())];
        f.extend(form(fields));
        Payload::Form(f)
    };
    let mut cases = Vec::new();
    for field in &target.text_fields {
        let values = match *field {
            "client_code" => refused_codes(),
            "is_admin" | "enabled" | "confirm_last" | "require_pkce" => refused_checkbox(),
            _ => refused_text(),
        };
        let password = matches!(*field, "password" | "new_password");
        for (what, value) in values {
            // A new password goes into both boxes (otherwise "they differ" is all one learns), long
            // enough that the character rule, not the length rule, is what refuses it.
            let value = if password && !value.trim().is_empty() && value.len() < 100 {
                format!("correct horse {value}")
            } else {
                value
            };
            let fields: Vec<_> = target
                .valid
                .iter()
                .map(|(k, v)| {
                    let replace = k == field || (password && *k == "confirm");
                    (*k, if replace { value.clone() } else { v.clone() })
                })
                .collect();
            cases.push(Case {
                name: format!("{field}: {what}"),
                payload: with_token(&fields),
            });
        }
        // Percent-encoded bytes that are not UTF-8.
        let mut body = format!("csrf_token={token}");
        for (k, v) in &target.valid {
            let v = if k == field {
                "App%FF%FEname".to_owned()
            } else {
                form_urlencoded::byte_serialize(v.as_bytes()).collect()
            };
            body.push_str(&format!("&{k}={v}"));
        }
        cases.push(Case {
            name: format!("{field}: invalid UTF-8"),
            payload: Payload::Raw {
                content_type: "application/x-www-form-urlencoded",
                body: body.into_bytes(),
            },
        });
        let mut twice = target.valid.clone();
        twice.push((field, "Second value".into()));
        cases.push(Case {
            name: format!("{field}: sent twice"),
            payload: with_token(&twice),
        });
    }
    let mut extra = target.valid.clone();
    extra.push(("is_account_admin", "yes".into()));
    cases.push(Case {
        name: "an extra field".into(),
        payload: with_token(&extra),
    });
    if target.has_fields {
        cases.push(Case {
            name: "every field missing".into(),
            payload: with_token(&[]),
        });
    }
    cases.push(Case {
        name: "no CSRF token".into(),
        payload: Payload::Form(form(&target.valid)),
    });
    cases.push(Case {
        name: "CSRF token of SQL".into(),
        payload: {
            let mut f = vec![("csrf_token".to_owned(), "' OR '1'='1".to_owned())];
            f.extend(form(&target.valid));
            Payload::Form(f)
        },
    });
    let json: serde_json::Map<String, Value> = std::iter::once(("csrf_token", token.to_owned()))
        .chain(target.valid.iter().map(|(k, v)| (*k, v.clone())))
        .map(|(k, v)| (k.to_owned(), Value::String(v)))
        .collect();
    cases.push(Case {
        name: "JSON instead of a form".into(),
        payload: Payload::Raw {
            content_type: "application/json",
            body: serde_json::to_vec(&json).unwrap(),
        },
    });
    cases.push(Case {
        name: "plain text instead of a form".into(),
        payload: Payload::Raw {
            content_type: "text/plain",
            body: b"csrf_token=x".to_vec(),
        },
    });
    let mut huge = target.valid.clone();
    huge.push((
        target.text_fields.first().copied().unwrap_or("x"),
        "y".repeat(70_000),
    ));
    cases.push(Case {
        name: "a body over 64 KiB".into(),
        payload: with_token(&huge),
    });
    cases
}

async fn send(p: &Person, action: &str, payload: &Payload) -> reqwest::Response {
    let request = p.client.post(p.url(action));
    match payload {
        Payload::Form(fields) => request.form(fields),
        Payload::Raw { content_type, body } => request
            .header(CONTENT_TYPE, *content_type)
            .body(body.clone()),
    }
    .send()
    .await
    .unwrap()
}

/// What the answer tells a person: a field message, an alert, or the error page's sentence.
fn message_of(body: &str) -> Option<String> {
    let page = scraper::Html::parse_document(body);
    [".field-error", "[role=alert]", "main > p:not(.brand)"]
        .iter()
        .find_map(|css| text(&page, css))
        .filter(|m| !m.is_empty())
}

/// Sends every case for `target`; each must be a 4xx with a message and leave `dump` as it was.
async fn attack(app: &TestApp, target: &Target<'_>, report: &mut Vec<String>) {
    let token = target.who.csrf(&target.page).await;
    for case in cases_for(target, &token) {
        let before = dump(app).await;
        let r = send(target.who, &target.action, &case.payload).await;
        let status = r.status();
        let body = r.text().await.unwrap();
        let label = format!("POST {} [{}]", target.action, case.name);
        assert!(status.is_client_error(), "{label}: {status}\n{body}");
        let message = message_of(&body).unwrap_or_else(|| panic!("{label}: no message\n{body}"));
        let after = dump(app).await;
        let after = if target.action == "/login" {
            // A failed sign-in is recorded on purpose (with the address it came from).
            after
                .into_iter()
                .filter(|row| !row.contains("'user.sign_in_failed'"))
                .collect()
        } else {
            after
        };
        assert_eq!(before, after, "{label} changed the database");
        report.push(format!("{:<70} {} {}", label, status.as_u16(), message));
    }
}

/// A frontdesk with an app (`EXISTING`), an outstanding invitation and a password-reset link.
struct World {
    app: TestApp,
    admin: Person,
    member: Person,
    client_id: String,
    secret: String,
    secret_delete: String,
    member_id: i64,
    invitation: String,
    reset: String,
}

async fn world() -> World {
    let app = TestApp::spawn().await;
    let (client_id, secret) = app.register_app("EXISTING", &["setup.read"]).await;
    let admin = app.admin().await;
    let member = app.member().await;
    let secret_id: i64 = frontdesk::on_db!(app.store.pool(), p => sqlx::query_scalar(
        "SELECT s.id FROM app_secrets s JOIN apps a ON a.id = s.app_id WHERE a.client_id = $1",
    )
    .bind(&client_id).fetch_one(p).await)
    .unwrap();
    let secret_delete = format!("/apps/connected-apps/{client_id}/secrets/{secret_id}/delete");
    let member_id = app
        .store
        .user_by_email(MEMBER_EMAIL)
        .await
        .unwrap()
        .unwrap()
        .id;
    let link = |r: reqwest::Response| async move {
        assert_eq!(r.status(), StatusCode::OK);
        input_value(&html(r).await, "#single-use-link").unwrap()
    };
    let invitation = link(
        admin
            .post_with_token(
                "/users/invite",
                "/users/invite",
                &[("email", "invited@example.com"), ("name", "Invited")],
            )
            .await,
    )
    .await;
    let reset = link(
        admin
            .post_with_token(
                &format!("/users/{member_id}/edit"),
                &format!("/users/{member_id}/reset-link"),
                &[],
            )
            .await,
    )
    .await;
    World {
        invitation: invitation[app.base.len()..].to_owned(),
        reset: reset[app.base.len()..].to_owned(),
        app,
        admin,
        member,
        client_id,
        secret,
        secret_delete,
        member_id,
    }
}

#[tokio::test]
async fn every_dashboard_form_refuses_hostile_input_clearly_and_writes_nothing() {
    let w = world().await;
    let app_page = format!("/apps/connected-apps/{}", w.client_id);
    let anonymous = w.app.person();
    let s = |v: &str| v.to_owned();
    let good_password = "a long new passphrase 42";
    let targets = vec![
        Target {
            who: &w.admin,
            page: "/apps/connected-apps/create".into(),
            action: "/apps/connected-apps/create".into(),
            valid: vec![
                ("client_code", s("FRESH")),
                ("client_name", s("Fresh app")),
                ("pii_mode", s("Retrieve")),
                ("secret_description", s("Production")),
                ("scopes", s("setup.read")),
            ],
            text_fields: vec!["client_code", "client_name", "secret_description"],
            has_fields: true,
        },
        Target {
            who: &w.admin,
            page: "/apps/store-apps/new".into(),
            action: "/apps/store-apps/new".into(),
            valid: vec![
                ("client_code", s("FRESH_STORE")),
                ("client_name", s("Fresh store app")),
                ("logo_url", s("https://cdn.example.com/logo.png")),
                ("redirect_uris", s("https://app.example.com/cb")),
                (
                    "post_logout_redirect_uris",
                    s("https://app.example.com/bye"),
                ),
                ("pii_mode", s("Retrieve")),
                ("secret_description", s("Production")),
                ("scopes", s("openid")),
                ("require_pkce", s("yes")),
            ],
            text_fields: vec![
                "client_code",
                "client_name",
                "redirect_uris",
                "secret_description",
                "require_pkce",
            ],
            has_fields: true,
        },
        Target {
            who: &w.admin,
            page: format!("{app_page}/edit"),
            action: format!("{app_page}/edit"),
            valid: vec![
                ("client_name", s("Renamed")),
                ("pii_mode", s("DontRetrieve")),
                ("scopes", s("folios.read")),
            ],
            text_fields: vec!["client_name"],
            has_fields: true,
        },
        Target {
            who: &w.admin,
            page: format!("{app_page}/secrets/new"),
            action: format!("{app_page}/secrets/new"),
            valid: vec![("secret_description", s("Second server"))],
            text_fields: vec!["secret_description"],
            has_fields: true,
        },
        Target {
            who: &w.admin,
            page: w.secret_delete.clone(),
            action: w.secret_delete.clone(),
            valid: vec![("confirm_last", s("yes"))],
            text_fields: vec!["confirm_last"],
            has_fields: true,
        },
        Target {
            who: &w.admin,
            page: format!("{app_page}/delete"),
            action: format!("{app_page}/delete"),
            valid: vec![],
            text_fields: vec![],
            has_fields: false,
        },
        Target {
            who: &w.admin,
            page: "/users/invite".into(),
            action: "/users/invite".into(),
            valid: vec![
                ("email", s("someone@example.com")),
                ("name", s("Someone")),
                ("is_admin", s("yes")),
            ],
            text_fields: vec!["email", "name", "is_admin"],
            has_fields: true,
        },
        Target {
            who: &w.admin,
            page: format!("/users/{}/edit", w.member_id),
            action: format!("/users/{}/edit", w.member_id),
            valid: vec![
                ("name", s("Member renamed")),
                ("is_admin", s("yes")),
                ("enabled", s("yes")),
            ],
            text_fields: vec!["name", "is_admin", "enabled"],
            has_fields: true,
        },
        Target {
            who: &w.admin,
            page: format!("/users/{}/delete", w.member_id),
            action: format!("/users/{}/delete", w.member_id),
            valid: vec![],
            text_fields: vec![],
            has_fields: false,
        },
        Target {
            who: &w.admin,
            page: format!("/users/{}/edit", w.member_id),
            action: format!("/users/{}/reset-link", w.member_id),
            valid: vec![],
            text_fields: vec![],
            has_fields: false,
        },
        Target {
            who: &w.member,
            page: "/profile".into(),
            action: "/profile/password".into(),
            valid: vec![
                ("current_password", s(MEMBER_PASSWORD)),
                ("new_password", s(good_password)),
                ("confirm", s(good_password)),
            ],
            text_fields: vec!["new_password", "confirm"],
            has_fields: true,
        },
        Target {
            who: &anonymous,
            page: w.invitation.clone(),
            action: w.invitation.clone(),
            valid: vec![
                ("password", s(good_password)),
                ("confirm", s(good_password)),
            ],
            text_fields: vec!["password", "confirm"],
            has_fields: true,
        },
        Target {
            who: &anonymous,
            page: w.reset.clone(),
            action: w.reset.clone(),
            valid: vec![
                ("password", s(good_password)),
                ("confirm", s(good_password)),
            ],
            text_fields: vec!["password", "confirm"],
            has_fields: true,
        },
        Target {
            who: &anonymous,
            page: "/login".into(),
            action: "/login".into(),
            valid: vec![
                ("email", s("nobody@example.com")),
                ("password", s("not the password")),
                ("next", s("")),
            ],
            text_fields: vec!["email"],
            has_fields: true,
        },
        Target {
            who: &w.member,
            page: "/profile".into(),
            action: "/logout".into(),
            valid: vec![],
            text_fields: vec![],
            has_fields: false,
        },
    ];
    let mut report = Vec::new();
    for target in &targets {
        attack(&w.app, target, &mut report).await;
    }
    println!("{}", report.join("\n"));
    assert!(report.len() > 150, "{} cases", report.len());

    // The table can fail: the valid filling of a form does change the database.
    let before = dump(&w.app).await;
    let create = &targets[0];
    let token = w.admin.csrf(&create.page).await;
    let mut fields = vec![("csrf_token", token)];
    fields.extend(create.valid.iter().cloned());
    let r = w.admin.post(&create.action, &as_refs(&fields)).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_ne!(before, dump(&w.app).await);
}

fn as_refs<'a>(fields: &'a [(&'a str, String)]) -> Vec<(&'a str, &'a str)> {
    fields.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// An OAuth answer: status and the JSON body (RFC 6749 §5.2 errors, RFC 7662 introspection).
async fn oauth(
    app: &TestApp,
    path: &str,
    basic: Option<String>,
    content_type: &str,
    body: Vec<u8>,
) -> (StatusCode, Value) {
    let mut request = reqwest::Client::new()
        .post(format!("{}{path}", app.base))
        .header(CONTENT_TYPE, content_type)
        .body(body);
    if let Some(b) = basic {
        request = request.header(AUTHORIZATION, b);
    }
    let r = request.send().await.unwrap();
    let status = r.status();
    let text = r.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// The payload of a JWT, unverified (the identity tests verify signatures; here only the claims matter).
fn claims_of(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

fn basic(id: &str, secret: &str) -> String {
    format!("Basic {}", STANDARD.encode(format!("{id}:{secret}")))
}

const FORM: &str = "application/x-www-form-urlencoded";

/// (name, Authorization, body, content type, expected status, expected `error`)
type TokenCase = (
    String,
    Option<String>,
    Vec<u8>,
    &'static str,
    StatusCode,
    &'static str,
);

#[tokio::test]
async fn the_identity_endpoints_refuse_hostile_input_with_oauth_errors_and_write_nothing() {
    let w = world().await;
    let app = &w.app;
    let good = basic(&w.client_id, &w.secret);
    let grant = "grant_type=client_credentials".to_owned();
    let post_auth = |id: &str, secret: &str| {
        format!(
            "{grant}&client_id={}&client_secret={}",
            form_urlencoded::byte_serialize(id.as_bytes()).collect::<String>(),
            form_urlencoded::byte_serialize(secret.as_bytes()).collect::<String>()
        )
    };
    // A valid request works (and warms the secret's cache, so the cases below are not rate limited by
    // argon2 work): the failures that follow are the inputs' doing.
    let (status, _) = oauth(
        app,
        "/connect/token",
        Some(good.clone()),
        FORM,
        grant.clone().into(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);

    let lower = w.client_id.to_lowercase();
    let cyrillic = w.client_id.replacen('E', "Е", 1);
    // One letter's case swapped (the first letter past the lookup id; a digit has no case).
    let at = w
        .secret
        .char_indices()
        .skip(10)
        .find(|(_, c)| c.is_ascii_alphabetic())
        .map(|(i, _)| i)
        .unwrap();
    let mut secret_case = w.secret.clone();
    let letter = &w.secret[at..=at];
    let swapped = if letter == letter.to_ascii_uppercase() {
        letter.to_ascii_lowercase()
    } else {
        letter.to_ascii_uppercase()
    };
    secret_case.replace_range(at..=at, &swapped);
    assert_ne!(secret_case, w.secret);
    let long = "x".repeat(10_000);
    let hostile_scopes = [
        "setup.read\0".to_owned(),
        "' OR 1=1 --".to_owned(),
        "<script>alert(1)</script>".to_owned(),
        "setup.read\u{202E}".to_owned(),
        "SETUP.READ".to_owned(),
        long.clone(),
    ];
    let mut cases: Vec<TokenCase> = vec![
        (
            "no grant_type".into(),
            Some(good.clone()),
            b"".to_vec(),
            FORM,
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        (
            "empty grant_type".into(),
            Some(good.clone()),
            b"grant_type=".to_vec(),
            FORM,
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        (
            "grant_type with NUL".into(),
            Some(good.clone()),
            b"grant_type=client_credentials%00".to_vec(),
            FORM,
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
        ),
        (
            "grant_type mixed case".into(),
            Some(good.clone()),
            b"grant_type=Client_Credentials".to_vec(),
            FORM,
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
        ),
        (
            "grant_type password".into(),
            Some(good.clone()),
            b"grant_type=password&username=a&password=b".to_vec(),
            FORM,
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
        ),
        (
            "authorization_code from a custom app".into(),
            Some(good.clone()),
            b"grant_type=authorization_code&code=abc&redirect_uri=https%3A%2F%2Fa.example%2Fcb"
                .to_vec(),
            FORM,
            StatusCode::BAD_REQUEST,
            "unauthorized_client",
        ),
        (
            "refresh_token from a custom app".into(),
            Some(good.clone()),
            b"grant_type=refresh_token&refresh_token=abc".to_vec(),
            FORM,
            StatusCode::BAD_REQUEST,
            "unauthorized_client",
        ),
        (
            "grant_type twice".into(),
            Some(good.clone()),
            format!("{grant}&{grant}").into(),
            FORM,
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        (
            "scope twice".into(),
            Some(good.clone()),
            format!("{grant}&scope=setup.read&scope=setup.read").into(),
            FORM,
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        (
            "invalid UTF-8, raw".into(),
            Some(good.clone()),
            b"grant_type=client_credentials&scope=\xff".to_vec(),
            FORM,
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        (
            "invalid UTF-8, percent-encoded".into(),
            Some(good.clone()),
            format!("{grant}&scope=%FF%FE").into(),
            FORM,
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        (
            "JSON body".into(),
            Some(good.clone()),
            br#"{"grant_type":"client_credentials"}"#.to_vec(),
            "application/json",
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        (
            "no content type".into(),
            Some(good.clone()),
            grant.clone().into(),
            "",
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        (
            "both Basic and client_secret".into(),
            Some(good.clone()),
            post_auth(&w.client_id, &w.secret).into(),
            FORM,
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        (
            "no authentication".into(),
            None,
            grant.clone().into(),
            FORM,
            StatusCode::UNAUTHORIZED,
            "invalid_client",
        ),
        (
            "client_id mixed case".into(),
            None,
            post_auth(&lower, &w.secret).into(),
            FORM,
            StatusCode::BAD_REQUEST,
            "invalid_client",
        ),
        (
            "client_id Cyrillic look-alike".into(),
            None,
            post_auth(&cyrillic, &w.secret).into(),
            FORM,
            StatusCode::BAD_REQUEST,
            "invalid_client",
        ),
        (
            "client_id SQL".into(),
            None,
            post_auth("' OR '1'='1", "' OR '1'='1").into(),
            FORM,
            StatusCode::BAD_REQUEST,
            "invalid_client",
        ),
        (
            "client_id with NUL".into(),
            None,
            post_auth(&format!("{}\0", w.client_id), &w.secret).into(),
            FORM,
            StatusCode::BAD_REQUEST,
            "invalid_client",
        ),
        (
            "client_id over-long".into(),
            None,
            post_auth(&long, &w.secret).into(),
            FORM,
            StatusCode::BAD_REQUEST,
            "invalid_client",
        ),
        (
            "secret one letter's case off".into(),
            None,
            post_auth(&w.client_id, &secret_case).into(),
            FORM,
            StatusCode::BAD_REQUEST,
            "invalid_client",
        ),
        (
            "secret with a NUL after it".into(),
            None,
            post_auth(&w.client_id, &format!("{}\0", w.secret)).into(),
            FORM,
            StatusCode::BAD_REQUEST,
            "invalid_client",
        ),
        (
            "secret over-long".into(),
            None,
            post_auth(&w.client_id, &long).into(),
            FORM,
            StatusCode::BAD_REQUEST,
            "invalid_client",
        ),
        (
            "Basic not base64".into(),
            Some("Basic !!!".into()),
            grant.clone().into(),
            FORM,
            StatusCode::UNAUTHORIZED,
            "invalid_client",
        ),
        (
            "Basic without a colon".into(),
            Some(format!("Basic {}", STANDARD.encode(&w.client_id))),
            grant.clone().into(),
            FORM,
            StatusCode::UNAUTHORIZED,
            "invalid_client",
        ),
        (
            "Basic, invalid UTF-8".into(),
            Some(format!("Basic {}", STANDARD.encode(b"\xff\xfe:\xff"))),
            grant.clone().into(),
            FORM,
            StatusCode::UNAUTHORIZED,
            "invalid_client",
        ),
        (
            "Basic, percent-encoded invalid UTF-8".into(),
            Some(basic(&w.client_id, "%FF")),
            grant.clone().into(),
            FORM,
            StatusCode::UNAUTHORIZED,
            "invalid_client",
        ),
        (
            "Basic, empty".into(),
            Some("Basic ".into()),
            grant.clone().into(),
            FORM,
            StatusCode::UNAUTHORIZED,
            "invalid_client",
        ),
        (
            "Bearer instead of Basic".into(),
            Some("Bearer abc".into()),
            grant.clone().into(),
            FORM,
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        (
            "Basic, over-long".into(),
            Some(basic(&long, &long)),
            grant.clone().into(),
            FORM,
            StatusCode::UNAUTHORIZED,
            "invalid_client",
        ),
    ];
    for scope in &hostile_scopes {
        cases.push((
            format!("scope {:?}", scope.chars().take(20).collect::<String>()),
            Some(good.clone()),
            format!(
                "{grant}&scope={}",
                form_urlencoded::byte_serialize(scope.as_bytes()).collect::<String>()
            )
            .into(),
            FORM,
            StatusCode::BAD_REQUEST,
            "invalid_scope",
        ));
    }
    let mut report = Vec::new();
    for (name, auth, body, content_type, status, error) in cases {
        let before = dump(app).await;
        let (got, json) = oauth(app, "/connect/token", auth, content_type, body).await;
        assert_eq!(
            (got, json["error"].as_str()),
            (status, Some(error)),
            "token [{name}]: {json}"
        );
        assert_eq!(
            before,
            dump(app).await,
            "token [{name}] changed the database"
        );
        report.push(format!(
            "POST /connect/token [{name}] {} {json}",
            got.as_u16()
        ));
    }
    // Over the body limit: refused before it is read, as an OAuth error.
    let (got, json) = oauth(
        app,
        "/connect/token",
        Some(good.clone()),
        FORM,
        format!("{grant}&x={}", "y".repeat(70_000)).into(),
    )
    .await;
    assert_eq!(got, StatusCode::PAYLOAD_TOO_LARGE, "{json}");

    // RFC 6749 §3.2: unknown parameters are ignored, never obeyed.
    let (got, json) = oauth(
        app,
        "/connect/token",
        Some(good.clone()),
        FORM,
        format!("{grant}&sub=admin&account_code=OTHER&aud=evil&exp=99999999999").into(),
    )
    .await;
    assert_eq!(got, StatusCode::OK);
    let claims = claims_of(json["access_token"].as_str().unwrap());
    assert_eq!(claims["sub"], w.client_id.as_str());
    assert_ne!(claims["account_code"], "OTHER");
    assert_ne!(claims["aud"], "evil");

    // Introspection and revocation: hostile tokens are simply not active (RFC 7662 §2.2) and revoking
    // them is a no-op (RFC 7009 §2.2); hostile authentication is refused.
    let (_, issued) = oauth(
        app,
        "/connect/token",
        Some(good.clone()),
        FORM,
        grant.clone().into(),
    )
    .await;
    let real = issued["access_token"].as_str().unwrap().to_owned();
    let mut tampered = real.clone();
    tampered.pop();
    tampered.push(if real.ends_with('A') { 'B' } else { 'A' });
    let hostile_tokens = [
        "".to_owned(),
        "' OR 1=1 --".to_owned(),
        "<script>".to_owned(),
        "a.b.c".to_owned(),
        "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.".to_owned(),
        tampered,
        format!("{real}\0"),
        long.clone(),
    ];
    for token in &hostile_tokens {
        let body: Vec<u8> = format!(
            "token={}",
            form_urlencoded::byte_serialize(token.as_bytes()).collect::<String>()
        )
        .into();
        let before = dump(app).await;
        let (got, json) = oauth(
            app,
            "/connect/introspect",
            Some(good.clone()),
            FORM,
            body.clone(),
        )
        .await;
        if token.is_empty() {
            assert_eq!(
                (got, json["error"].as_str()),
                (StatusCode::BAD_REQUEST, Some("invalid_request"))
            );
        } else {
            assert_eq!(
                (got, &json),
                (StatusCode::OK, &serde_json::json!({"active": false})),
                "{token:.30}"
            );
        }
        let (got, json) = oauth(
            app,
            "/connect/revocation",
            Some(good.clone()),
            FORM,
            body.clone(),
        )
        .await;
        assert!(
            got == StatusCode::OK || (token.is_empty() && got == StatusCode::BAD_REQUEST),
            "{got} {json}"
        );
        assert_eq!(
            before,
            dump(app).await,
            "introspection/revocation of {token:.30} changed the database"
        );
    }
    // Hostile authentication, on the real token: refused, and the token is not revoked by it.
    let body: Vec<u8> = format!("token={real}").into();
    let before = dump(app).await;
    for path in ["/connect/introspect", "/connect/revocation"] {
        for auth in [
            None,
            Some("Basic !!!".to_owned()),
            Some(basic(&lower, &w.secret)),
        ] {
            let (got, json) = oauth(app, path, auth.clone(), FORM, body.clone()).await;
            assert!(
                got == StatusCode::UNAUTHORIZED
                    || (auth.is_none() && got == StatusCode::BAD_REQUEST),
                "{path} {auth:?}: {got} {json}"
            );
            assert!(json["error"].is_string(), "{json}");
        }
        let (got, _) = oauth(
            app,
            path,
            Some(good.clone()),
            "application/json",
            br#"{"token":"x"}"#.to_vec(),
        )
        .await;
        assert_eq!(got, StatusCode::BAD_REQUEST);
    }
    assert_eq!(before, dump(app).await);
    let (_, json) = oauth(
        app,
        "/connect/introspect",
        Some(good.clone()),
        FORM,
        format!("token={real}").into(),
    )
    .await;
    assert_eq!(
        json["active"], true,
        "the real token survived every hostile revocation"
    );
    println!("{}", report.join("\n"));
}

#[tokio::test]
async fn hostile_addresses_get_the_site_pages_and_change_nothing() {
    let w = world().await;
    let before = dump(&w.app).await;
    // Reading pages with hostile query strings: 200 (the search is just text), or a clear 400.
    for (path, status) in [
        (
            "/apps/connected-apps?q=%27%20OR%201%3D1%20--",
            StatusCode::OK,
        ),
        (
            "/apps/connected-apps?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
            StatusCode::OK,
        ),
        ("/apps/connected-apps?q=%00", StatusCode::OK),
        (
            "/apps/connected-apps?sort=name%3B%20DROP%20TABLE%20apps",
            StatusCode::OK,
        ),
        ("/apps/connected-apps?page=-1", StatusCode::OK),
        (
            "/apps/connected-apps?page=99999999999999999999999",
            StatusCode::OK,
        ),
        ("/apps/connected-apps?q=%FF", StatusCode::BAD_REQUEST),
        ("/apps/connected-apps?q=a&q=b", StatusCode::BAD_REQUEST),
        (
            "/activity?app=%27%20OR%201%3D1--&user=%3Cb%3E&page=x",
            StatusCode::OK,
        ),
        ("/activity?app=%FF", StatusCode::BAD_REQUEST),
        (
            "/apps/connected-apps/create?clientCode=%3Cb%3E&clientName=%00&clientScopes=%5B%22%3Cscript%3E%22%5D&piiMode=%27",
            StatusCode::OK,
        ),
        (
            "/apps/connected-apps/create?clientName=%FF",
            StatusCode::BAD_REQUEST,
        ),
        (
            "/apps/connected-apps/%27%20OR%201%3D1--",
            StatusCode::NOT_FOUND,
        ),
        ("/apps/connected-apps/%FF%FE/edit", StatusCode::NOT_FOUND),
        (
            "/apps/connected-apps/DEMO-SP-EXISTING%00",
            StatusCode::NOT_FOUND,
        ),
        (
            "/apps/connected-apps/demo-sp-existing",
            StatusCode::NOT_FOUND,
        ),
        ("/users/abc/edit", StatusCode::NOT_FOUND),
        ("/users/99999999999999999999999/edit", StatusCode::NOT_FOUND),
        ("/users/-1/edit", StatusCode::NOT_FOUND),
        ("/invitations/%FF", StatusCode::NOT_FOUND),
        ("/password-reset/%27%20OR%201%3D1--", StatusCode::NOT_FOUND),
    ] {
        let r = w.admin.get(path).await;
        let got = r.status();
        let body = r.text().await.unwrap();
        assert_eq!(got, status, "GET {path}\n{body}");
        assert!(
            !body.contains("<script>alert(1)") && !body.contains("<b>"),
            "GET {path} not escaped"
        );
        if !got.is_success() {
            assert!(
                message_of(&body).is_some(),
                "GET {path}: no message\n{body}"
            );
        }
    }
    // Posting to hostile paths.
    let token = w.admin.csrf("/apps/connected-apps").await;
    for path in [
        "/apps/connected-apps/%27%20OR%201%3D1--/delete",
        "/apps/connected-apps/%FF/edit",
        &format!(
            "/apps/connected-apps/{}/secrets/1%20OR%201=1/delete",
            w.client_id
        ),
        &format!(
            "/apps/connected-apps/{}/secrets/99999999999999999999/delete",
            w.client_id
        ),
        "/users/1%3B%20DROP%20TABLE%20users/delete",
    ] {
        let r = w.admin.post(path, &[("csrf_token", &token)]).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "POST {path}");
    }
    assert_eq!(before, dump(&w.app).await);
}

#[tokio::test]
async fn free_text_is_stored_verbatim_and_escaped_everywhere() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let name = "<img src=x onerror=alert(1)> Robert'); DROP TABLE apps;--";
    let description = "\"><script>alert(2)</script> & ' OR '1'='1";
    let renamed = "</title><svg onload=alert(3)>";
    let mut form = app_form("ESCAPED");
    form[1] = ("client_name", name);
    form[3] = ("secret_description", description);
    let r = admin.create_app(&form).await;
    assert_eq!(r.status(), StatusCode::OK);
    let client_id = input_value(&html(r).await, "#client-id").unwrap();
    let page = format!("/apps/connected-apps/{client_id}");
    let r = admin
        .post_with_token(
            &format!("{page}/edit"),
            &format!("{page}/edit"),
            &[
                ("client_name", renamed),
                ("pii_mode", "Retrieve"),
                ("scopes", "setup.read"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // Invite someone whose name is markup too: the Users page and the activity log show it.
    let r = admin
        .post_with_token(
            "/users/invite",
            "/users/invite",
            &[("email", "markup@example.com"), ("name", "<i>Markup</i>")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);

    let stored: (String, String) = frontdesk::on_db!(app.store.pool(), p => sqlx::query_as(
        "SELECT a.client_name, s.description FROM apps a JOIN app_secrets s ON s.app_id = a.id WHERE a.client_id = $1",
    )
    .bind(&client_id).fetch_one(p).await)
    .unwrap();
    assert_eq!(stored, (renamed.to_owned(), description.to_owned()));
    assert_eq!(
        app.count("apps").await,
        1,
        "the apps table is alive and well"
    );

    for path in [
        "/apps/connected-apps".to_owned(),
        "/apps/connected-apps?q=%3Csvg".to_owned(),
        page.clone(),
        format!("{page}/edit"),
        format!("{page}/delete"),
        format!("{page}/secrets/new"),
        "/activity".to_owned(),
        "/users".to_owned(),
    ] {
        let body = admin.get(&path).await.text().await.unwrap();
        for raw in [
            "<img src=x",
            "<script>alert(2)",
            "<svg onload",
            "<i>Markup",
            "</title><svg",
        ] {
            assert!(!body.contains(raw), "{path} contains {raw} unescaped");
        }
    }
    // The audit trail has the before and after of the rename, escaped.
    let activity = admin.get("/activity").await.text().await.unwrap();
    assert!(
        activity.contains("&lt;img src=x onerror=alert(1)&gt;") || activity.contains("&#60;img"),
        "{activity}"
    );
    assert!(
        activity.contains("&lt;/title&gt;&lt;svg onload=alert(3)&gt;")
            || activity.contains("&#60;/title")
    );
}

#[tokio::test]
async fn the_code_and_refresh_grants_refuse_hostile_input_and_write_nothing() {
    use crate::code_grant::{CodeFor, REDIRECT, VERIFIER, exchange, issue_code, store_client};
    let app = TestApp::spawn().await;
    let client = store_client(&app, "helper").await;
    let good = basic(&client.id, &client.secret);
    // A real exchange first: it warms the secret's cache, and leaves a family to aim at.
    let code = issue_code(&app, &client, CodeFor::default()).await;
    let (status, issued) = exchange(&app, &client, &code).await;
    assert_eq!(status, StatusCode::OK, "{issued}");
    let enc = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let refresh = issued["refresh_token"].as_str().unwrap().to_owned();
    let long = "x".repeat(10_000);
    let hostile = [
        "' OR 1=1 --".to_owned(),
        "%".to_owned(),
        "\0".to_owned(),
        format!("{refresh}\0"),
        refresh.to_uppercase(),
        format!(" {refresh}"),
        refresh[..42].to_owned(),
        token_hash_of(&refresh),
        "<script>alert(1)</script>".to_owned(),
        "\u{202E}abc".to_owned(),
        long.clone(),
    ];
    let mut cases: Vec<(String, String, &str)> = Vec::new();
    for value in &hostile {
        let short: String = value.chars().take(20).collect();
        cases.push((
            format!("code {short:?}"),
            format!(
                "grant_type=authorization_code&code={}&redirect_uri={}&code_verifier={VERIFIER}",
                enc(value),
                enc(REDIRECT)
            ),
            "invalid_grant",
        ));
        cases.push((
            format!("refresh_token {short:?}"),
            format!("grant_type=refresh_token&refresh_token={}", enc(value)),
            "invalid_grant",
        ));
    }
    for (name, body) in [
        ("no code", "grant_type=authorization_code".to_owned()),
        (
            "empty code",
            "grant_type=authorization_code&code=".to_owned(),
        ),
        (
            "code twice",
            "grant_type=authorization_code&code=a&code=b".to_owned(),
        ),
        (
            "redirect_uri twice",
            format!(
                "grant_type=authorization_code&code=a&redirect_uri={0}&redirect_uri={0}",
                enc(REDIRECT)
            ),
        ),
        (
            "code_verifier twice",
            format!(
                "grant_type=authorization_code&code=a&code_verifier={VERIFIER}&code_verifier={VERIFIER}"
            ),
        ),
        ("no refresh_token", "grant_type=refresh_token".to_owned()),
        (
            "refresh_token twice",
            format!("grant_type=refresh_token&refresh_token={refresh}&refresh_token={refresh}"),
        ),
        (
            "scope twice on refresh",
            format!("grant_type=refresh_token&refresh_token={refresh}&scope=openid&scope=openid"),
        ),
    ] {
        cases.push((name.to_owned(), body, "invalid_request"));
    }
    for (name, body, error) in cases {
        let before = dump(&app).await;
        let (got, json) = oauth(
            &app,
            "/connect/token",
            Some(good.clone()),
            FORM,
            body.into(),
        )
        .await;
        assert_eq!(
            (got, json["error"].as_str()),
            (StatusCode::BAD_REQUEST, Some(error)),
            "token [{name}]: {json}"
        );
        assert_eq!(
            before,
            dump(&app).await,
            "token [{name}] changed the database"
        );
    }
    // Hostile scopes on a refresh are refused before the token is used: it still works afterwards.
    for scope in ["offline_access\0", "OPENID", "' OR 1=1 --", long.as_str()] {
        let body = format!(
            "grant_type=refresh_token&refresh_token={refresh}&scope={}",
            enc(scope)
        );
        let (got, json) = oauth(
            &app,
            "/connect/token",
            Some(good.clone()),
            FORM,
            body.into(),
        )
        .await;
        assert_eq!(got, StatusCode::BAD_REQUEST, "{json}");
    }
    let (got, json) = oauth(
        &app,
        "/connect/token",
        Some(good.clone()),
        FORM,
        format!("grant_type=refresh_token&refresh_token={refresh}").into(),
    )
    .await;
    assert_eq!(got, StatusCode::OK, "{json}");
}

fn token_hash_of(value: &str) -> String {
    frontdesk::domain::token_hash(value)
}
