//! The Activity page's day filters and its exports (CSV, JSON Lines) from the dashboard, the admin API
//! and the command line: the same rows through every door, all of them however many pages they fill.

use reqwest::StatusCode;
use serde_json::Value;

use crate::api::{MANAGE, READ, api_as};
use crate::helpers::*;

/// Writes an audit row as the store would, at `at` (RFC 3339 text, as stored).
async fn record(app: &TestApp, at: &str, actor: &str, client_id: Option<&str>) {
    frontdesk::on_db!(app.store.pool(), p => {
        sqlx::query(
            "INSERT INTO audit_log (at, actor_email, source_addr, action, client_id, details)
             VALUES ($1, $2, '192.0.2.7', 'app.edited', $3, '{\"note\":\"x, \\\"quoted\\\"\"}')",
        )
        .bind(at)
        .bind(actor)
        .bind(client_id)
        .execute(p)
        .await
        .map(|_| ())
    })
    .unwrap();
}

/// `n` rows about app `AC-BULK`, one a second from 2026-01-01 on.
async fn record_many(app: &TestApp, n: usize) {
    let start = time::macros::datetime!(2026-01-01 00:00 UTC);
    for i in 0..n {
        let at = start + time::Duration::seconds(i64::try_from(i).unwrap());
        let at = at
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap();
        record(app, &at, "bulk@example.com", Some("AC-BULK")).await;
    }
}

/// Around the days 2026-03-10 to 2026-03-12: one entry just outside each edge, three inside.
async fn record_edges(app: &TestApp) {
    for at in [
        "2026-03-09T23:59:59.999Z",
        "2026-03-10T00:00:00Z",
        "2026-03-11T12:00:00.5Z",
        "2026-03-12T23:59:59.9Z",
        "2026-03-13T00:00:00Z",
    ] {
        record(app, at, "edges@example.com", Some("AC-EDGES")).await;
    }
}

async fn count_on_page(person: &Person, query: &str) -> String {
    let page = person.page(&format!("/activity?{query}")).await;
    text(&page, "p.count").unwrap()
}

fn parse_csv(body: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(body.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

fn parse_lines(body: &str) -> Vec<Value> {
    body.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

#[tokio::test]
async fn the_day_filters_keep_both_edge_days_whole_and_nothing_beyond() {
    let app = TestApp::spawn().await;
    record_edges(&app).await;
    let admin = app.admin().await;

    let user = "user=edges%40example.com";
    assert_eq!(count_on_page(&admin, user).await, "5 events");
    assert_eq!(
        count_on_page(&admin, &format!("{user}&from=2026-03-10&to=2026-03-12")).await,
        "3 events"
    );
    assert_eq!(
        count_on_page(&admin, &format!("{user}&from=2026-03-10")).await,
        "4 events"
    );
    assert_eq!(
        count_on_page(&admin, &format!("{user}&to=2026-03-12")).await,
        "4 events"
    );
    assert_eq!(
        count_on_page(&admin, &format!("{user}&from=2026-03-11&to=2026-03-11")).await,
        "1 event"
    );

    let api = api_as(&app, "reader", &[READ]).await;
    let r = api
        .get("/api/v1/activity?actor=edges%40example.com&from=2026-03-10&to=2026-03-12")
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["total"], 3);
    let ats: Vec<&str> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["at"].as_str().unwrap())
        .collect();
    assert_eq!(
        ats,
        [
            "2026-03-12T23:59:59.9Z",
            "2026-03-11T12:00:00.5Z",
            "2026-03-10T00:00:00Z"
        ]
    );
}

#[tokio::test]
async fn paging_and_export_links_keep_every_filter() {
    let app = TestApp::spawn().await;
    record_many(&app, 60).await;
    let admin = app.admin().await;

    let page = admin
        .page("/activity?app=AC-BULK&from=2026-01-01&to=2026-01-01")
        .await;
    assert_eq!(text(&page, "p.count").unwrap(), "60 events");
    let href = |css: &str| {
        select(&page, css)
            .first()
            .unwrap_or_else(|| panic!("no {css}"))
            .value()
            .attr("href")
            .unwrap()
            .to_owned()
    };
    let kept = "app=AC-BULK&from=2026-01-01&to=2026-01-01";
    assert_eq!(href("a[rel=next]"), format!("/activity?{kept}&page=2"));
    assert_eq!(
        href("a[href^='/activity/export.csv']"),
        format!("/activity/export.csv?{kept}")
    );
    assert_eq!(
        href("a[href^='/activity/export.jsonl']"),
        format!("/activity/export.jsonl?{kept}")
    );
    let labels: Vec<String> = select(&page, "p.exports a")
        .iter()
        .map(|a| a.text().collect())
        .collect();
    assert_eq!(labels, ["Export CSV", "Export JSON Lines"]);
    assert!(labelled(&page, "From").is_some() && labelled(&page, "To").is_some());
}

#[tokio::test]
async fn dates_that_cannot_be_read_or_run_backwards_are_refused_with_a_message() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;

    for (query, message) in [
        ("from=2026-13-01", "\"From\" is not a date: use YYYY-MM-DD"),
        ("to=yesterday", "\"To\" is not a date: use YYYY-MM-DD"),
        ("from=2026-03-12&to=2026-03-10", "\"To\" is before \"From\""),
    ] {
        for path in [
            "/activity",
            "/activity/export.csv",
            "/activity/export.jsonl",
        ] {
            let r = admin.get(&format!("{path}?{query}")).await;
            assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{path}?{query}");
            let page = html(r).await;
            assert_eq!(
                text(&page, ".field-error").unwrap(),
                message,
                "{path}?{query}"
            );
            assert!(select(&page, "p.exports").is_empty());
        }
    }

    let api = api_as(&app, "reader", &[READ]).await;
    for path in ["/api/v1/activity", "/api/v1/activity/export"] {
        let r = api
            .get(&format!("{path}?from=2026-03-12&to=2026-03-10"))
            .await;
        r.problem(StatusCode::BAD_REQUEST);
        assert!(
            r.body["detail"].as_str().unwrap().contains("before"),
            "{}",
            r.body
        );
    }
}

#[tokio::test]
async fn both_exports_hold_every_filtered_entry_newest_first_across_batches() {
    let app = TestApp::spawn().await;
    record_many(&app, 1203).await;
    record_edges(&app).await;
    let admin = app.admin().await;

    let r = admin.get("/activity/export.csv?app=AC-BULK").await;
    assert_eq!(r.status(), StatusCode::OK);
    let header = |r: &reqwest::Response, name: &str| r.headers()[name].to_str().unwrap().to_owned();
    assert_eq!(header(&r, "content-type"), "text/csv; charset=utf-8");
    assert_eq!(header(&r, "cache-control"), "no-store");
    let disposition = header(&r, "content-disposition");
    assert!(
        disposition.starts_with("attachment; filename=\"frontdesk-activity-")
            && disposition.ends_with(".csv\""),
        "{disposition}"
    );
    let rows = parse_csv(&r.text().await.unwrap());
    assert_eq!(
        rows[0],
        [
            "id",
            "at",
            "actor",
            "source_addr",
            "action",
            "client_id",
            "details"
        ]
    );
    assert_eq!(rows.len(), 1 + 1203);
    let ids: Vec<i64> = rows[1..].iter().map(|r| r[0].parse().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "newest first");
    assert_eq!(rows[1][1], "2026-01-01T00:20:02Z");
    assert_eq!(rows[1203][1], "2026-01-01T00:00:00Z");
    assert_eq!(
        rows[1][2..],
        [
            "bulk@example.com",
            "192.0.2.7",
            "app.edited",
            "AC-BULK",
            r#"{"note":"x, \"quoted\""}"#
        ]
    );

    let r = admin
        .get("/activity/export.jsonl?app=AC-EDGES&from=2026-03-10&to=2026-03-12")
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(header(&r, "content-type"), "application/x-ndjson");
    assert!(header(&r, "content-disposition").ends_with(".jsonl\""));
    let lines = parse_lines(&r.text().await.unwrap());
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["at"], "2026-03-12T23:59:59.9Z");
    assert_eq!(lines[0]["actor"], "edges@example.com");
    assert_eq!(lines[0]["client_id"], "AC-EDGES");
    assert_eq!(lines[0]["action"], "app.edited");
    assert_eq!(lines[0]["details"]["note"], "x, \"quoted\"");
    assert!(lines[0]["id"].is_i64());
    let keys: Vec<&String> = lines[0].as_object().unwrap().keys().collect();
    assert_eq!(keys.len(), 7, "{keys:?}");
}

#[tokio::test]
async fn a_cell_a_spreadsheet_would_run_as_a_formula_is_neutralised() {
    let app = TestApp::spawn().await;
    record(
        &app,
        "2026-03-10T00:00:00Z",
        "=HYPERLINK(\"http://evil\")",
        Some("+1"),
    )
    .await;
    record(&app, "2026-03-10T00:00:01Z", "@SUM(A1)", Some("-2")).await;
    let admin = app.admin().await;

    let r = admin
        .get("/activity/export.csv?from=2026-03-10&to=2026-03-10")
        .await;
    let rows = parse_csv(&r.text().await.unwrap());
    assert_eq!(rows.len(), 3);
    assert_eq!(
        (rows[1][2].as_str(), rows[1][5].as_str()),
        ("'@SUM(A1)", "'-2")
    );
    assert_eq!(
        (rows[2][2].as_str(), rows[2][5].as_str()),
        ("'=HYPERLINK(\"http://evil\")", "'+1")
    );
    // JSON Lines is data for programs: the values stay as recorded.
    let r = admin
        .get("/activity/export.jsonl?from=2026-03-10&to=2026-03-10")
        .await;
    let lines = parse_lines(&r.text().await.unwrap());
    assert_eq!(lines[0]["actor"], "@SUM(A1)");
}

#[tokio::test]
async fn members_are_refused_the_exports_as_the_page_and_strangers_sent_to_sign_in() {
    let app = TestApp::spawn().await;
    let member = app.member().await;
    let stranger = app.person();

    let page = member.get("/activity").await;
    assert_eq!(page.status(), StatusCode::FORBIDDEN);
    // The page as a member sees it, less its request id.
    let refusal = |page: scraper::Html| {
        let main = text(&page, "main").unwrap();
        main.split("Request id").next().unwrap().to_owned()
    };
    let refused_page = refusal(html(page).await);
    for path in [
        "/activity/export.csv",
        "/activity/export.jsonl?from=2026-01-01",
    ] {
        let r = member.get(path).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{path}");
        assert_eq!(refusal(html(r).await), refused_page, "{path}");

        let r = stranger.get(path).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{path}");
        assert!(
            r.headers()["location"]
                .to_str()
                .unwrap()
                .starts_with("/login?next=")
        );
    }
}

/// Runs `frontdesk activity export args...` on `db`; its standard output.
async fn cli_export(db: &str, args: &[&str]) -> String {
    let mut all = vec!["activity", "export"];
    all.extend_from_slice(args);
    let args: Vec<String> = all.into_iter().map(str::to_owned).collect();
    let db = db.to_owned();
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_frontdesk"))
            .args(&args)
            .env("DATABASE_URL", db)
            .env_remove("FRONTDESK_LISTEN")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

#[tokio::test]
async fn the_api_and_the_command_line_export_the_same_rows() {
    let app = TestApp::spawn().await;
    record_many(&app, 700).await;
    record_edges(&app).await;
    let api = api_as(&app, "reader", &[MANAGE]).await;

    let r = api
        .get("/api/v1/activity/export?format=jsonl&client_id=AC-BULK")
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.header("content-type"), "application/x-ndjson");
    assert_eq!(r.header("cache-control"), "no-store");
    let http = reqwest::Client::new();
    let body = |query: &'static str| {
        let request = http
            .get(format!("{}/api/v1/activity/export?{query}", app.base))
            .bearer_auth(&api.token);
        async move { request.send().await.unwrap().text().await.unwrap() }
    };
    let api_jsonl = body("format=jsonl&client_id=AC-BULK").await;
    let cli_jsonl = cli_export(
        &app.database_url,
        &["--format", "jsonl", "--app", "AC-BULK"],
    )
    .await;
    assert_eq!(parse_lines(&api_jsonl).len(), 700);
    assert_eq!(api_jsonl, cli_jsonl);

    let api_csv = body("actor=edges%40example.com&from=2026-03-10&to=2026-03-12").await;
    let cli_csv = cli_export(
        &app.database_url,
        &[
            "--user",
            "Edges@example.com",
            "--from",
            "2026-03-10",
            "--to",
            "2026-03-12",
        ],
    )
    .await;
    assert_eq!(parse_csv(&api_csv).len(), 4);
    assert_eq!(api_csv, cli_csv);

    let r = api.get("/api/v1/activity/export?format=xml").await;
    r.problem(StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_audit_sink_appends_each_committed_entry_as_its_export_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("audit.jsonl");
    let sink = format!("file:{}", file.display());
    let served = serve_binary(&[("FRONTDESK_AUDIT_SINK", &sink)]).await;
    let admin = served.person();
    admin.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let r = admin.create_app(&app_form("sunk")).await;
    assert_eq!(r.status(), StatusCode::OK);
    let stranger = served.person();
    stranger.try_sign_in(ADMIN_EMAIL, "not the password").await;

    let export = admin
        .get("/activity/export.jsonl")
        .await
        .text()
        .await
        .unwrap();
    let mut expected: Vec<&str> = export.lines().collect();
    expected.reverse(); // the sink writes oldest first
    assert!(expected.len() >= 3, "{export}");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let written = loop {
        let written = std::fs::read_to_string(&file).unwrap_or_default();
        if written.lines().count() >= expected.len() || std::time::Instant::now() > deadline {
            break written;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert_eq!(written.lines().collect::<Vec<_>>(), expected);
    let actions: Vec<String> = parse_lines(&written)
        .iter()
        .map(|l| l["action"].as_str().unwrap().to_owned())
        .collect();
    assert!(actions.contains(&"app.created".to_owned()), "{actions:?}");
}

#[tokio::test]
async fn an_audit_sink_that_cannot_be_used_stops_start_up_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = database_url(&dir, "sink.db").await;
    for (value, code, message) in [
        (
            "ftp://example.com/log",
            2,
            "error: FRONTDESK_AUDIT_SINK: file:/path/to/file.jsonl, syslog or syslog:/path/to/socket, got \"ftp://example.com/log\"",
        ),
        (
            "file:relative.jsonl",
            2,
            "error: FRONTDESK_AUDIT_SINK: file:/path/to/file.jsonl",
        ),
        (
            "file:/nonexistent/frontdesk/audit.jsonl",
            1,
            "error: FRONTDESK_AUDIT_SINK: cannot open /nonexistent/frontdesk/audit.jsonl",
        ),
    ] {
        let out = crate::cli::frontdesk(&db, &[], "", &[("FRONTDESK_AUDIT_SINK", value)]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(code), "{value}: {err}");
        let last = err.trim().lines().last().unwrap_or("");
        assert!(last.starts_with(message), "{value}: {err}");
    }
}
