//! Apps > Connected apps > Add a new app > Add custom app > Save: the heart of the product.

use frontdesk::domain::{PasswordHasher, SecretHash, SecretValue};
use reqwest::StatusCode;
use reqwest::header::CACHE_CONTROL;
use scraper::Html;

use crate::helpers::*;

/// Creates an app and returns (client ID, client secret) read from the credentials page.
async fn register(admin: &Person, code: &str) -> (String, String, reqwest::header::HeaderMap) {
    let r = admin.create_app(&app_form(code)).await;
    assert_eq!(r.status(), StatusCode::OK);
    let headers = r.headers().clone();
    let page = html(r).await;
    let id = labelled(&page, "Client ID").unwrap();
    let secret = labelled(&page, "Client secret").unwrap();
    assert!(id.value().attr("readonly").is_some());
    assert!(secret.value().attr("readonly").is_some());
    (
        id.value().attr("value").unwrap().to_owned(),
        secret.value().attr("value").unwrap().to_owned(),
        headers,
    )
}

#[tokio::test]
async fn the_list_starts_empty_with_a_helpful_message() {
    let app = TestApp::spawn().await;
    let page = app.admin().await.page("/apps/connected-apps").await;
    assert_eq!(text(&page, "main h1").as_deref(), Some("Connected apps"));
    assert!(text(&page, ".empty").unwrap().contains("Add a new app"));
    assert!(select(&page, "table").is_empty());
}

#[tokio::test]
async fn add_a_new_app_offers_add_custom_app_in_a_dialog_and_on_a_page() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let page = admin.page("/apps/connected-apps").await;
    let button = select(&page, "a[data-opens-dialog]");
    assert_eq!(button.len(), 1);
    assert_eq!(button[0].text().collect::<String>(), "Add a new app");
    assert_eq!(
        button[0].value().attr("href"),
        Some("/apps/connected-apps/new")
    );
    assert_eq!(
        text(&page, "dialog#add-app-dialog h2").as_deref(),
        Some("Add a new app")
    );
    assert_eq!(
        select(&page, "dialog#add-app-dialog a")[0]
            .value()
            .attr("href"),
        Some("/apps/connected-apps/create")
    );
    assert_eq!(
        text(&page, "dialog#add-app-dialog a").as_deref(),
        Some("Add custom app")
    );

    // Without JavaScript the button leads to the same choice as a page.
    let page = admin.page("/apps/connected-apps/new").await;
    assert_eq!(text(&page, "main h1").as_deref(), Some("Add a new app"));
    assert_eq!(
        text(&page, "main .choices a").as_deref(),
        Some("Add custom app")
    );
}

#[tokio::test]
async fn the_form_has_the_labelled_fields_scopes_by_api_and_buttons() {
    let app = TestApp::spawn().await;
    let page = app.admin().await.page("/apps/connected-apps/create").await;
    assert_eq!(text(&page, "main h1").as_deref(), Some("New custom app"));
    assert_eq!(
        labelled(&page, "Client code").unwrap().value().attr("name"),
        Some("client_code")
    );
    assert_eq!(
        labelled(&page, "Client name").unwrap().value().attr("name"),
        Some("client_name")
    );
    assert_eq!(
        labelled(&page, "Secret description")
            .unwrap()
            .value()
            .attr("name"),
        Some("secret_description")
    );
    assert_eq!(
        text(&page, "section:has(#secret_description) h2").as_deref(),
        Some("Secrets")
    );

    let pii = select(&page, "fieldset:has(input[name=pii_mode])");
    assert_eq!(
        text(&Html::parse_fragment(&pii[0].html()), "legend").as_deref(),
        Some("Personally identifiable information")
    );
    let choices: Vec<_> = select(&page, "input[name=pii_mode]")
        .iter()
        .map(|e| {
            let label = e.parent().and_then(scraper::ElementRef::wrap).unwrap();
            (
                label.text().collect::<String>().trim().to_owned(),
                e.value().attr("checked").is_some(),
            )
        })
        .collect();
    assert_eq!(
        choices,
        [
            ("Retrieve".to_owned(), false),
            ("Don't retrieve".to_owned(), true)
        ]
    );

    let legends: Vec<_> = select(&page, "fieldset.scope-group > legend")
        .iter()
        .map(|l| l.text().collect::<String>())
        .collect();
    assert_eq!(legends[0], "Core API");
    assert!(legends.contains(&"Payment API".to_owned()));
    // An account admin is offered frontdesk's own Admin API as well.
    assert_eq!(legends.last().map(String::as_str), Some("Admin API"));
    let folios = select(&page, "label:has(input[value='folios.read'])");
    let label = folios[0].text().collect::<String>();
    assert!(
        label.contains("folios.read")
            && label.contains("Read folios, including charges and payments")
    );
    let checkboxes = select(&page, "input[type=checkbox][name=scopes]").len();
    assert_eq!(
        checkboxes,
        frontdesk::domain::ScopeCatalog::builtin()
            .unwrap()
            .names()
            .count()
    );

    assert_eq!(
        text(&page, "form.app-form button[type=submit]").as_deref(),
        Some("Save")
    );
    let cancel = select(&page, "form.app-form a.button");
    assert_eq!(cancel[0].text().collect::<String>(), "Cancel");
}

#[tokio::test]
async fn an_admin_registers_an_app_and_gets_its_credentials_once() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let (client_id, secret, headers) = register(&admin, "voicehive").await;

    assert_eq!(client_id, "DEMO-SP-VOICEHIVE");
    assert!(secret.len() >= 32, "{secret}");
    assert!(secret.bytes().all(|b| b.is_ascii_alphanumeric()));
    assert_eq!(headers[CACHE_CONTROL], "no-store");

    // The list shows the app.
    let page = admin.page("/apps/connected-apps").await;
    let row: Vec<String> = select(&page, "table tbody tr td")
        .iter()
        .map(|c| c.text().collect::<String>().trim().to_owned())
        .collect();
    assert_eq!(row[0], "Voice assistant");
    assert_eq!(row[1], "DEMO-SP-VOICEHIVE");
    assert_eq!(row[2], "Custom app");
    assert_eq!(row[3], "2");
    assert_eq!(row[4], "Retrieve");
    assert_eq!(row[5].len(), "2026-01-01".len());

    // Stored: the app, both scopes, one secret (as a hash that verifies), one audit row.
    assert_eq!(app.app_tables().await, (1, 2, 1, 1));
    let hash: String = frontdesk::on_db!(app.store.pool(), p => sqlx::query_scalar("SELECT secret_hash FROM app_secrets").fetch_one(p).await)
        .unwrap();
    assert!(hash.starts_with("$argon2id$"));
    assert!(PasswordHasher.verify(
        &SecretValue::from_presented(secret.clone()),
        &SecretHash(hash)
    ));
    let (action, details): (String, String) =
        frontdesk::on_db!(app.store.pool(), p => sqlx::query_as("SELECT action, details FROM audit_log WHERE client_id IS NOT NULL").fetch_one(p).await)
            .unwrap();
    assert_eq!(action, "app.created");
    assert!(details.contains("Production server"));
    assert!(!details.contains(&secret));
}

#[tokio::test]
async fn the_database_files_hold_no_copy_of_the_secret() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let (_, secret, _) = register(&admin, "HOTEL_MANAGER").await;

    if on_postgres() {
        let rows = crate::hostile::dump(&app).await.join("\n");
        assert!(
            rows.contains("app_secrets"),
            "the dump holds the secrets table"
        );
        assert!(!rows.contains(&secret), "secret found in the database");
        return;
    }
    // Every file of the database: main file, WAL and shared memory.
    let dir = app.db_path.parent().unwrap();
    let mut scanned = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        scanned += bytes.len();
        assert!(
            !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
            "secret found in a database file"
        );
    }
    assert!(scanned > 0);
}

#[tokio::test]
async fn the_secret_is_never_shown_again() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let (client_id, secret, _) = register(&admin, "ONCE").await;

    for path in [
        "/apps/connected-apps",
        "/apps/connected-apps/new",
        "/apps/connected-apps/create",
        "/apps/connected-apps/create?clientCode=ONCE",
    ] {
        let body = admin.get(path).await.text().await.unwrap();
        assert!(!body.contains(&secret), "{path} shows the secret");
    }
    // Submitting the same form again (a reload of the POST) gives no secret, only the taken-code error.
    let r = admin.create_app(&app_form("ONCE")).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.unwrap();
    assert!(!body.contains(&secret));
    assert!(body.contains("This client code is already taken"));
    assert!(
        admin
            .page("/apps/connected-apps")
            .await
            .html()
            .contains(&client_id)
    );
}

#[tokio::test]
async fn client_codes_are_stored_upper_case_and_unique_whatever_the_case() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let (client_id, _, _) = register(&admin, "my_App_2").await;
    assert_eq!(client_id, "DEMO-SP-MY_APP_2");

    let r = admin.create_app(&app_form("MY_app_2")).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = html(r).await;
    assert_eq!(
        text(&page, "#client_code-error").as_deref(),
        Some("This client code is already taken")
    );
    assert_eq!(app.count("apps").await, 1);
}

/// Each rule: the form with one field replaced, the field's error id, and the message.
#[tokio::test]
async fn each_validation_rule_answers_422_next_to_its_field_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let long_code = "A".repeat(33);
    let long_name = "n".repeat(101);
    let long_description = "d".repeat(201);
    let cases: Vec<(&str, Option<&str>, &str, &str)> = vec![
        (
            "client_code",
            Some(""),
            "client_code",
            "Enter a client code",
        ),
        (
            "client_code",
            Some("my-app"),
            "client_code",
            "Use only letters, digits and underscores (_)",
        ),
        (
            "client_code",
            Some("ÄPP"),
            "client_code",
            "Use only letters, digits and underscores (_)",
        ),
        (
            "client_code",
            Some(&long_code),
            "client_code",
            "Use at most 32 characters",
        ),
        (
            "client_name",
            Some("   "),
            "client_name",
            "Enter a client name",
        ),
        (
            "client_name",
            Some(&long_name),
            "client_name",
            "Use at most 100 characters",
        ),
        (
            "secret_description",
            Some(""),
            "secret_description",
            "Enter a secret description",
        ),
        (
            "secret_description",
            Some(&long_description),
            "secret_description",
            "Use at most 200 characters",
        ),
        ("scopes", None, "scopes", "Choose at least one scope"),
        (
            "scopes",
            Some("openid"),
            "scopes",
            "Choose scopes from the list only",
        ),
        (
            "pii_mode",
            Some("Sometimes"),
            "pii_mode",
            "Choose whether the app may retrieve personal data",
        ),
        (
            "pii_mode",
            None,
            "pii_mode",
            "Choose whether the app may retrieve personal data",
        ),
    ];
    for (field, value, error_id, message) in cases {
        let mut form: Vec<(&str, &str)> = app_form("VALID_CODE")
            .into_iter()
            .filter(|(k, _)| *k != field)
            .collect();
        if let Some(v) = value {
            form.push((field, v));
        }
        let r = admin.create_app(&form).await;
        assert_eq!(
            r.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field}={value:?}"
        );
        let page = html(r).await;
        assert_eq!(
            text(&page, &format!("#{error_id}-error")).as_deref(),
            Some(message),
            "{field}={value:?}"
        );
        // Only that field is in error, and the person's input is kept.
        assert_eq!(select(&page, ".field-error").len(), 1, "{field}={value:?}");
        if field != "client_code" {
            assert_eq!(
                input_value(&page, "#client_code").as_deref(),
                Some("VALID_CODE")
            );
        }
        if field != "client_name" {
            assert_eq!(
                input_value(&page, "#client_name").as_deref(),
                Some("Voice assistant")
            );
        }
        if field != "scopes" {
            assert_eq!(select(&page, "input[name=scopes][checked]").len(), 2);
        }
        assert_eq!(app.app_tables().await, (0, 0, 0, 0), "{field}={value:?}");
    }
}

#[tokio::test]
async fn names_are_trimmed_before_they_are_stored() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let mut form = app_form("TRIM");
    form[1] = ("client_name", "   Spaced name   ");
    assert_eq!(admin.create_app(&form).await.status(), StatusCode::OK);
    let name: String = frontdesk::on_db!(app.store.pool(), p => sqlx::query_scalar("SELECT client_name FROM apps").fetch_one(p).await)
        .unwrap();
    assert_eq!(name, "Spaced name");
}

#[tokio::test]
async fn the_create_link_opens_the_form_prefilled() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let page = admin
        .page(
            "/apps/connected-apps/create?clientCode=TAPAPALEO&clientName=tap-apaleo&secret=Hotel%20server\
             &clientScopes=%5B%22maintenances.read%22%2C%22rateplans.read-corporate%22%2C%22reservations.read%22%2C%22setup.read%22%5D\
             &piiMode=Retrieve",
        )
        .await;
    assert_eq!(
        input_value(&page, "#client_code").as_deref(),
        Some("TAPAPALEO")
    );
    assert_eq!(
        input_value(&page, "#client_name").as_deref(),
        Some("tap-apaleo")
    );
    assert_eq!(
        input_value(&page, "#secret_description").as_deref(),
        Some("Hotel server")
    );
    assert!(select(&page, "#pii_mode_retrieve[checked]").len() == 1);
    let mut checked: Vec<_> = select(&page, "input[name=scopes][checked]")
        .iter()
        .map(|e| e.value().attr("value").unwrap().to_owned())
        .collect();
    checked.sort();
    assert_eq!(
        checked,
        [
            "maintenances.read",
            "rateplans.read-corporate",
            "reservations.read",
            "setup.read"
        ]
    );
    assert!(select(&page, ".field-error").is_empty());
}

#[tokio::test]
async fn a_create_link_with_unknown_or_broken_scopes_says_so() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let page = admin
        .page("/apps/connected-apps/create?clientScopes=%5B%22setup.read%22%2C%22nope.read%22%5D")
        .await;
    assert_eq!(select(&page, "input[name=scopes][checked]").len(), 1);
    assert!(text(&page, ".callout.info").unwrap().contains("nope.read"));

    let page = admin
        .page("/apps/connected-apps/create?clientScopes=not-json")
        .await;
    assert!(select(&page, "input[name=scopes][checked]").is_empty());
    assert!(text(&page, ".callout.info").unwrap().contains("JSON"));
}

#[tokio::test]
async fn a_member_sees_the_list_but_cannot_open_or_post_the_create_page() {
    let app = TestApp::spawn().await;
    let member = app.member().await;

    let list = member.page("/apps/connected-apps").await;
    assert!(select(&list, "a[data-opens-dialog]").is_empty());
    assert!(select(&list, "dialog").is_empty());
    assert!(text(&list, ".empty").unwrap().contains("account admin"));

    for path in ["/apps/connected-apps/create", "/apps/connected-apps/new"] {
        let r = member.get(path).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{path}");
        assert_eq!(text(&html(r).await, "h1").as_deref(), Some("Not allowed"));
    }
    // The member's own session token, so only the privilege check stands in the way.
    let token = member.csrf("/apps/connected-apps").await;
    let mut form = vec![("csrf_token", token.as_str())];
    form.extend(app_form("MEMBER_APP"));
    let r = member.post("/apps/connected-apps/create", &form).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.app_tables().await, (0, 0, 0, 0));
}

#[tokio::test]
async fn a_post_without_or_with_a_wrong_csrf_token_is_refused_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;

    let r = admin
        .post("/apps/connected-apps/create", &app_form("NO_TOKEN"))
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    let mut form = vec![("csrf_token", "forged-token")];
    form.extend(app_form("WRONG_TOKEN"));
    let r = admin.post("/apps/connected-apps/create", &form).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    // Another person's valid token does not work in this session either.
    let other = app.admin().await;
    let theirs = other.csrf("/apps/connected-apps/create").await;
    let mut form = vec![("csrf_token", theirs.as_str())];
    form.extend(app_form("OTHER_TOKEN"));
    let r = admin.post("/apps/connected-apps/create", &form).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    assert_eq!(app.app_tables().await, (0, 0, 0, 0));
}

#[tokio::test]
async fn sign_in_and_sign_out_need_the_csrf_token_too() {
    let app = TestApp::spawn().await;
    let person = app.person();
    person.get("/login").await;
    let r = person
        .post(
            "/login",
            &[("email", ADMIN_EMAIL), ("password", ADMIN_PASSWORD)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        person.get("/apps/connected-apps").await.status(),
        StatusCode::SEE_OTHER
    );

    let admin = app.admin().await;
    let r = admin.post("/logout", &[("csrf_token", "wrong")]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        admin.get("/apps/connected-apps").await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn twenty_concurrent_creations_with_one_client_code_make_exactly_one_app() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let token = admin.csrf("/apps/connected-apps/create").await;
    let mut form = vec![("csrf_token".to_owned(), token)];
    form.extend(
        app_form("RACE")
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned())),
    );

    let requests = (0..20).map(|_| {
        let request = admin
            .client
            .post(admin.url("/apps/connected-apps/create"))
            .form(&form);
        async move {
            let r = request.send().await.unwrap();
            (r.status(), r.text().await.unwrap())
        }
    });
    let results = futures_util::future::join_all(requests).await;

    let created = results.iter().filter(|(s, _)| *s == StatusCode::OK).count();
    let refused: Vec<_> = results
        .iter()
        .filter(|(s, _)| *s == StatusCode::UNPROCESSABLE_ENTITY)
        .collect();
    assert_eq!(created, 1);
    assert_eq!(refused.len(), 19);
    assert!(
        refused
            .iter()
            .all(|(_, body)| body.contains("This client code is already taken"))
    );
    assert_eq!(app.app_tables().await, (1, 2, 1, 1));
}
