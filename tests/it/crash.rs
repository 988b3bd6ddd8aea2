//! Crash safety: the real server is killed (SIGKILL) in the middle of a burst of app creations, secret
//! rotations and edits, then restarted on the same database, round after round. Each time it must start
//! cleanly, the file must be sound, every acknowledged write must be there, and every write whose answer
//! never came must have happened entirely or not at all.

use std::collections::{BTreeMap, BTreeSet};
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use scraper::Html;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};

use crate::helpers::*;

const ROUNDS: usize = 3;
/// Admins at work at once, each on apps of their own, so that what each app must hold is exact.
const TASKS: usize = 6;
/// The kill comes once this many writes of the round are acknowledged: a different moment each round.
const KILL_AFTER: [usize; ROUNDS] = [12, 20, 28];
/// Secrets whose token requests are tried after each restart, and deleted ones that must be refused
/// (each costs an argon2 run and counts against the token endpoint's rate limits).
const LIVE_SAMPLES: usize = 3;
const DELETED_SAMPLES: usize = 2;

const SCOPE_SETS: [&[&str]; 4] = [
    &["setup.read"],
    &["reservations.read", "setup.read"],
    &["availability.read", "folios.read", "invoices.read"],
    &["account.manage"],
];

/// What creation and each edit set together: name, personal-data mode and scopes.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Details {
    name: String,
    pii_mode: String,
    scopes: BTreeSet<String>,
}

impl Details {
    fn new(name: String, variant: usize) -> Self {
        Self {
            name,
            pii_mode: ["Retrieve", "DontRetrieve"][variant % 2].to_owned(),
            scopes: SCOPE_SETS[variant % SCOPE_SETS.len()]
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
        }
    }

    fn form<'a>(&'a self, csrf: &'a str) -> Vec<(&'a str, &'a str)> {
        let mut form = vec![
            ("csrf_token", csrf),
            ("client_name", self.name.as_str()),
            ("pii_mode", self.pii_mode.as_str()),
        ];
        form.extend(self.scopes.iter().map(|s| ("scopes", s.as_str())));
        form
    }
}

/// A secret the test asked for, known by its description (unique in the test). Its value is known only
/// when its creation was acknowledged; `round` is when it was last acknowledged (created or deleted).
#[derive(Clone, Debug)]
struct Secret {
    description: String,
    value: Option<String>,
    round: usize,
}

/// What the test knows of one app: what was acknowledged, and the one write (at most) still in doubt.
#[derive(Debug)]
struct AppRecord {
    client_id: String,
    code: String,
    owner: usize,
    /// Its creation was acknowledged (or the app was found after a crash).
    confirmed: bool,
    details: Details,
    /// An edit without an answer: the app holds `details` or these.
    edit_in_doubt: Option<Details>,
    /// Secrets whose creation was acknowledged and whose deletion was not.
    secrets: Vec<Secret>,
    /// An addition (or the creation's first secret) without an answer.
    add_in_doubt: Option<Secret>,
    /// A deletion of one of `secrets` without an answer.
    delete_in_doubt: Option<String>,
    /// Secrets whose deletion was acknowledged.
    deleted: Vec<Secret>,
}

/// One round's burst: a signed-in admin shared by the tasks, and when to stop.
struct Burst {
    admin: Person,
    csrf: String,
    round: usize,
    acknowledged: AtomicUsize,
    stop: AtomicBool,
}

/// How a write went.
enum Answer {
    /// The whole expected answer arrived: the write must be in the database.
    Acknowledged(String),
    /// The server died before answering (or while): the write may or may not have happened.
    InDoubt,
    /// A living server gave a wrong answer.
    Unexpected(String),
}

impl Burst {
    fn failed(&self, what: &str, e: reqwest::Error) -> Answer {
        if self.stop.load(Ordering::SeqCst) {
            Answer::InDoubt
        } else {
            Answer::Unexpected(format!("{what} failed before the kill: {e}"))
        }
    }

    async fn post(&self, path: &str, form: &[(&str, &str)], expected: StatusCode) -> Answer {
        let response = match self
            .admin
            .client
            .post(self.admin.url(path))
            .form(form)
            .send()
            .await
        {
            Ok(r) => r,
            Err(e) => return self.failed(&format!("POST {path}"), e),
        };
        let status = response.status();
        match response.text().await {
            Err(e) => self.failed(&format!("POST {path}"), e),
            Ok(body) if status == expected => Answer::Acknowledged(body),
            Ok(body) => Answer::Unexpected(format!(
                "POST {path}: {status} instead of {expected}: {}",
                body.chars().take(2000).collect::<String>()
            )),
        }
    }

    fn fresh_secret(&self, description: String) -> Secret {
        Secret {
            description,
            value: None,
            round: self.round,
        }
    }

    /// Registers a new app owned by `task`; on acknowledgment it is confirmed with its first secret.
    async fn create(&self, task: usize, step: usize, apps: &mut Vec<AppRecord>) -> Answer {
        let code = format!("R{}T{task}N{step}", self.round);
        let details = Details::new(format!("App {code}"), task + step);
        let first = self.fresh_secret(format!("first secret of {code}"));
        let mut form = details.form(&self.csrf);
        form.extend([
            ("client_code", code.as_str()),
            ("secret_description", first.description.as_str()),
        ]);
        let answer = self
            .post("/apps/connected-apps/create", &form, StatusCode::OK)
            .await;
        let client_id = format!("DEMO-SP-{code}");
        let mut record = AppRecord {
            client_id: client_id.clone(),
            code,
            owner: task,
            confirmed: false,
            details,
            edit_in_doubt: None,
            secrets: Vec::new(),
            add_in_doubt: Some(first),
            delete_in_doubt: None,
            deleted: Vec::new(),
        };
        let answer = match answer {
            Answer::Acknowledged(body) => {
                let page = Html::parse_document(&body);
                match (
                    input_value(&page, "#client-id"),
                    input_value(&page, "#client-secret"),
                ) {
                    (Some(id), Some(value)) if id == client_id => {
                        let mut first = record.add_in_doubt.take().unwrap();
                        first.value = Some(value);
                        record.secrets.push(first);
                        record.confirmed = true;
                        Answer::Acknowledged(body)
                    }
                    _ => Answer::Unexpected(format!("no credentials for {client_id} in {body}")),
                }
            }
            other => other,
        };
        apps.push(record);
        answer
    }

    /// Adds a secret (the first half of a rotation).
    async fn add_secret(&self, task: usize, step: usize, app: &mut AppRecord) -> Answer {
        let description = format!("secret r{} t{task} n{step}", self.round);
        let path = format!("/apps/connected-apps/{}/secrets/new", app.client_id);
        let form = [
            ("csrf_token", self.csrf.as_str()),
            ("secret_description", description.as_str()),
        ];
        app.add_in_doubt = Some(self.fresh_secret(description.clone()));
        match self.post(&path, &form, StatusCode::OK).await {
            Answer::Acknowledged(body) => {
                let Some(value) = input_value(&Html::parse_document(&body), "#client-secret")
                else {
                    return Answer::Unexpected(format!("no new secret in {body}"));
                };
                let mut secret = app.add_in_doubt.take().unwrap();
                secret.value = Some(value);
                app.secrets.push(secret);
                Answer::Acknowledged(body)
            }
            other => other,
        }
    }

    /// Deletes the app's oldest secret (the second half of a rotation), found by its description on the
    /// app's page.
    async fn delete_oldest_secret(&self, app: &mut AppRecord) -> Answer {
        let victim = app.secrets[0].description.clone();
        let page_path = format!("/apps/connected-apps/{}", app.client_id);
        let page = match self
            .admin
            .client
            .get(self.admin.url(&page_path))
            .send()
            .await
        {
            Ok(r) if r.status() == StatusCode::OK => match r.text().await {
                Ok(body) => body,
                Err(e) => return self.failed(&format!("GET {page_path}"), e),
            },
            Ok(r) => return Answer::Unexpected(format!("GET {page_path}: {}", r.status())),
            Err(e) => return self.failed(&format!("GET {page_path}"), e),
        };
        let link = select(
            &Html::parse_document(&page),
            &format!("a[aria-label=\"Delete secret {victim}\"]"),
        )
        .first()
        .and_then(|a| a.value().attr("href"))
        .map(str::to_owned);
        let Some(link) = link else {
            return Answer::Unexpected(format!("no delete link for {victim} on {page_path}"));
        };
        app.delete_in_doubt = Some(victim);
        let form = [("csrf_token", self.csrf.as_str())];
        let answer = self.post(&link, &form, StatusCode::SEE_OTHER).await;
        if let Answer::Acknowledged(_) = answer {
            let mut gone = app.secrets.remove(0);
            gone.round = self.round;
            app.deleted.push(gone);
            app.delete_in_doubt = None;
        }
        answer
    }

    /// Changes name, personal-data mode and scopes.
    async fn edit(&self, task: usize, step: usize, app: &mut AppRecord) -> Answer {
        let details = Details::new(
            format!("App {} r{} v{step}", app.code, self.round),
            task + step + 1,
        );
        let path = format!("/apps/connected-apps/{}/edit", app.client_id);
        let answer = self
            .post(&path, &details.form(&self.csrf), StatusCode::SEE_OTHER)
            .await;
        if let Answer::Acknowledged(_) = answer {
            app.details = details;
        } else {
            app.edit_in_doubt = Some(details);
        }
        answer
    }
}

/// What one admin did in a round: their apps, and whether the kill caught a write of theirs in flight.
struct TaskReport {
    apps: Vec<AppRecord>,
    in_doubt: bool,
    unexpected: Option<String>,
}

/// One admin's loop: create an app, add a secret, edit, delete the oldest secret, over and over on the
/// admin's own apps, until the server dies. Every app is settled when the loop starts, and the loop ends
/// at the first write in doubt, so each app has at most one.
async fn admin_at_work(burst: Arc<Burst>, task: usize, mut apps: Vec<AppRecord>) -> TaskReport {
    for step in 0.. {
        if burst.stop.load(Ordering::SeqCst) {
            break;
        }
        // Tasks start at different points of the cycle, so the kill finds every kind of write in flight.
        let k = (step / 4) % apps.len();
        let answer = match (step + task) % 4 {
            0 => burst.create(task, step, &mut apps).await,
            1 if apps[k].secrets.len() < 8 => burst.add_secret(task, step, &mut apps[k]).await,
            2 => burst.edit(task, step, &mut apps[k]).await,
            _ if apps[k].secrets.len() >= 2 => burst.delete_oldest_secret(&mut apps[k]).await,
            _ => burst.add_secret(task, step, &mut apps[k]).await,
        };
        match answer {
            Answer::Acknowledged(_) => {
                burst.acknowledged.fetch_add(1, Ordering::SeqCst);
            }
            Answer::InDoubt => {
                let in_doubt = apps.iter().any(|a| {
                    !a.confirmed
                        || a.edit_in_doubt.is_some()
                        || a.add_in_doubt.is_some()
                        || a.delete_in_doubt.is_some()
                });
                return TaskReport {
                    apps,
                    in_doubt,
                    unexpected: None,
                };
            }
            Answer::Unexpected(why) => {
                return TaskReport {
                    apps,
                    in_doubt: true,
                    unexpected: Some(why),
                };
            }
        }
    }
    TaskReport {
        apps,
        in_doubt: false,
        unexpected: None,
    }
}

async fn signed_in_burst(served: &Served, round: usize) -> Arc<Burst> {
    let admin = served.person();
    admin.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let csrf = admin.csrf("/apps/connected-apps/create").await;
    Arc::new(Burst {
        admin,
        csrf,
        round,
        acknowledged: AtomicUsize::new(0),
        stop: AtomicBool::new(false),
    })
}

/// SIGKILL: no shutdown code runs, whatever was not committed is lost.
fn kill_hard(served: &mut Served) {
    // SAFETY: sending a signal to our own child process.
    #[allow(unsafe_code)] // signalling the child: libc::kill has no safe wrapper here
    let sent = unsafe { libc::kill(i32::try_from(served.child.id()).unwrap(), libc::SIGKILL) };
    assert_eq!(sent, 0);
    let status = served.child.wait().unwrap();
    assert_eq!(status.signal(), Some(libc::SIGKILL), "{status:?}");
}

fn assert_no_error_logged(served: &mut Served, which: &str) {
    let logs = served.logs();
    let errors: Vec<&str> = logs.lines().filter(|l| l.contains(" ERROR ")).collect();
    assert!(
        errors.is_empty(),
        "the {which} server logged errors:\n{logs}"
    );
}

/// What the database holds about one app (scopes and secrets are read through their app, and rows
/// without one are caught by the foreign key check).
#[derive(Debug)]
struct Found {
    details: Details,
    secrets: BTreeSet<String>,
}

/// What the audit trail says about one app, replayed from its rows.
#[derive(Debug, Default)]
struct Audited {
    creations: usize,
    details: Option<Details>,
    secrets: BTreeSet<String>,
}

fn details_from_json(v: &serde_json::Value) -> Details {
    Details {
        name: v["client_name"].as_str().unwrap_or_default().to_owned(),
        pii_mode: v["pii_mode"].as_str().unwrap_or_default().to_owned(),
        scopes: v["scopes"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default(),
    }
}

/// Reads the database file (read-only, beside the running server): it must be sound, and each app's rows
/// must agree with its audit trail. Returns what each app holds.
async fn read_database(db: &Path, failures: &mut Vec<String>) -> BTreeMap<String, Found> {
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(SqliteConnectOptions::new().filename(db).read_only(true))
        .await
        .unwrap();
    let integrity: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_all(&pool)
        .await
        .unwrap();
    if integrity != ["ok"] {
        failures.push(format!("integrity_check: {integrity:?}"));
    }
    let broken_keys = sqlx::query("PRAGMA foreign_key_check")
        .fetch_all(&pool)
        .await
        .unwrap();
    if !broken_keys.is_empty() {
        failures.push(format!(
            "foreign_key_check: {} broken references",
            broken_keys.len()
        ));
    }

    let mut found: BTreeMap<String, Found> = BTreeMap::new();
    let apps: Vec<(String, String, String)> =
        sqlx::query_as("SELECT client_id, client_name, pii_mode FROM apps")
            .fetch_all(&pool)
            .await
            .unwrap();
    for (client_id, name, pii_mode) in apps {
        let details = Details {
            name,
            pii_mode,
            scopes: BTreeSet::new(),
        };
        let secrets = BTreeSet::new();
        found.insert(client_id, Found { details, secrets });
    }
    let scopes: Vec<(String, String)> = sqlx::query_as(
        "SELECT a.client_id, s.scope FROM app_scopes s JOIN apps a ON a.id = s.app_id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    for (client_id, scope) in scopes {
        if let Some(f) = found.get_mut(&client_id) {
            f.details.scopes.insert(scope);
        }
    }
    let secrets: Vec<(String, String)> = sqlx::query_as(
        "SELECT a.client_id, s.description FROM app_secrets s JOIN apps a ON a.id = s.app_id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    for (client_id, description) in secrets {
        if let Some(f) = found.get_mut(&client_id) {
            f.secrets.insert(description);
        }
    }

    let mut audited: BTreeMap<String, Audited> = BTreeMap::new();
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT action, client_id, details FROM audit_log WHERE client_id IS NOT NULL ORDER BY id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    pool.close().await;
    for (action, client_id, details) in rows {
        let details: serde_json::Value = serde_json::from_str(&details).unwrap();
        let a = audited.entry(client_id).or_default();
        match action.as_str() {
            "app.created" => {
                a.creations += 1;
                a.details = Some(details_from_json(&details));
                a.secrets
                    .insert(details["secret_description"].as_str().unwrap().to_owned());
            }
            "app.edited" => a.details = Some(details_from_json(&details["after"])),
            "secret.added" => {
                a.secrets
                    .insert(details["description"].as_str().unwrap().to_owned());
            }
            "secret.deleted" => {
                a.secrets.remove(details["description"].as_str().unwrap());
            }
            other => failures.push(format!("unexpected audit action {other}")),
        }
    }

    // The rows and the audit trail are written in one transaction each time: they must tell one story.
    for (client_id, f) in &found {
        let details = &f.details;
        let a = audited.remove(client_id).unwrap_or_default();
        if a.creations != 1 {
            failures.push(format!("{client_id}: {} creation audit rows", a.creations));
        }
        if details.scopes.is_empty() {
            failures.push(format!("{client_id} has no scope"));
        }
        if f.secrets.is_empty() {
            failures.push(format!("{client_id} has no secret"));
        }
        if a.details.as_ref() != Some(details) {
            failures.push(format!(
                "{client_id} holds {details:?}, its audit trail says {:?}",
                a.details
            ));
        }
        if a.secrets != f.secrets {
            failures.push(format!(
                "{client_id} holds the secrets {:?}, its audit trail says {:?}",
                f.secrets, a.secrets
            ));
        }
    }
    for (client_id, a) in audited {
        if a.creations > 0 {
            failures.push(format!("{client_id} is audited as created but missing"));
        }
    }
    found
}

/// Holds the database against what was acknowledged, then settles each write in doubt to what happened.
fn settle(
    apps: Vec<AppRecord>,
    mut found: BTreeMap<String, Found>,
    round: usize,
    failures: &mut Vec<String>,
) -> (Vec<AppRecord>, usize) {
    let mut settled = Vec::new();
    let mut landed = 0;
    for mut app in apps {
        let cid = app.client_id.clone();
        let Some(f) = found.remove(&cid) else {
            if app.confirmed {
                failures.push(format!("the acknowledged app {cid} is gone"));
            }
            continue;
        };
        let details = f.details;
        // At most one write per app was in doubt; count it once if it happened.
        let mut in_doubt_landed = !app.confirmed;
        app.confirmed = true;
        if app.edit_in_doubt.as_ref() == Some(&details) {
            in_doubt_landed = true;
            app.details = details;
        } else if details != app.details {
            failures.push(format!(
                "{cid} holds {details:?}; acknowledged: {:?}, in doubt: {:?}",
                app.details, app.edit_in_doubt
            ));
        }
        app.edit_in_doubt = None;

        for s in &app.secrets {
            let in_doubt = app.delete_in_doubt.as_ref() == Some(&s.description);
            if !f.secrets.contains(&s.description) && !in_doubt {
                failures.push(format!(
                    "the acknowledged secret {:?} of {cid} is gone",
                    s.description
                ));
            }
        }
        for s in &app.deleted {
            if f.secrets.contains(&s.description) {
                failures.push(format!(
                    "the secret {:?} of {cid} is back after its deletion was acknowledged",
                    s.description
                ));
            }
        }
        let known: BTreeSet<&String> = app
            .secrets
            .iter()
            .chain(&app.deleted)
            .chain(&app.add_in_doubt)
            .map(|s| &s.description)
            .collect();
        for description in &f.secrets {
            if !known.contains(description) {
                failures.push(format!(
                    "{cid} holds a secret {description:?} never asked for"
                ));
            }
        }
        if let Some(d) = app.delete_in_doubt.take()
            && !f.secrets.contains(&d)
        {
            in_doubt_landed = true;
            let i = app.secrets.iter().position(|s| s.description == d).unwrap();
            let mut gone = app.secrets.remove(i);
            gone.round = round;
            app.deleted.push(gone);
        }
        if let Some(s) = app.add_in_doubt.take()
            && f.secrets.contains(&s.description)
        {
            in_doubt_landed = true;
            app.secrets.push(s);
        }
        app.secrets.retain(|s| f.secrets.contains(&s.description));
        landed += usize::from(in_doubt_landed);
        settled.push(app);
    }
    for cid in found.keys() {
        failures.push(format!("{cid} was never asked for"));
    }
    (settled, landed)
}

async fn token_status(served: &Served, client_id: &str, secret: &str) -> (StatusCode, String) {
    let r = reqwest::Client::new()
        .post(format!("{}/connect/token", served.base))
        .basic_auth(client_id, Some(secret))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials")
        .send()
        .await
        .unwrap();
    (r.status(), r.text().await.unwrap())
}

/// A few secrets acknowledged in this round must obtain tokens with their app's scopes; a few deleted
/// ones must be refused. A sample: each check runs argon2 and counts against the rate limits.
async fn check_tokens(served: &Served, apps: &[AppRecord], round: usize) -> Vec<String> {
    let mut failures = Vec::new();
    let mut live: Vec<(&AppRecord, &Secret)> = apps
        .iter()
        .filter_map(|a| {
            let s = a.secrets.iter().rev().find(|s| s.value.is_some())?;
            Some((a, s))
        })
        .collect();
    // Newest first: what this round acknowledged, then earlier rounds' secrets.
    live.sort_by_key(|(_, s)| std::cmp::Reverse(s.round));
    for (app, secret) in live.into_iter().take(LIVE_SAMPLES) {
        let (status, body) = token_status(
            served,
            &app.client_id,
            secret.value.as_deref().unwrap_or_default(),
        )
        .await;
        let granted: Option<BTreeSet<String>> = serde_json::from_str::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| Some(v["scope"].as_str()?.split(' ').map(str::to_owned).collect()));
        if status != StatusCode::OK || granted.as_ref() != Some(&app.details.scopes) {
            failures.push(format!(
                "{} with {:?}: {status}, scopes {granted:?} instead of {:?}",
                app.client_id, secret.description, app.details.scopes
            ));
        }
    }
    let deleted = apps
        .iter()
        .flat_map(|a| a.deleted.iter().map(move |s| (a, s)))
        .filter(|(_, s)| s.round == round && s.value.is_some())
        .take(DELETED_SAMPLES);
    for (app, secret) in deleted {
        let (status, body) = token_status(
            served,
            &app.client_id,
            secret.value.as_deref().unwrap_or_default(),
        )
        .await;
        if status != StatusCode::UNAUTHORIZED {
            failures.push(format!(
                "the deleted secret {:?} of {}: {status} {body}",
                secret.description, app.client_id
            ));
        }
    }
    failures
}

#[tokio::test]
async fn after_a_kill_every_acknowledged_write_is_kept_and_none_is_half_done() {
    if on_postgres() {
        // This test reads the SQLite file after the kill (integrity_check, WAL recovery); on PostgreSQL
        // the database outlives the process and its durability is PostgreSQL's own.
        eprintln!("SQLite only: skipped on PostgreSQL");
        return;
    }
    let started = Instant::now();
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let mut served = serve_binary_on(dir.clone(), &[]).await;

    // Arrange: each admin starts with one app of their own.
    let mut apps = Vec::new();
    let setup = signed_in_burst(&served, 0).await;
    for task in 0..TASKS {
        let answer = setup.create(task, 0, &mut apps).await;
        assert!(matches!(answer, Answer::Acknowledged(_)), "setup of {task}");
    }

    let mut in_doubt = 0;
    for (round, kill_after) in (1..=ROUNDS).zip(KILL_AFTER) {
        // Act: the admins work until enough writes are acknowledged, then the server dies mid-burst.
        let burst = signed_in_burst(&served, round).await;
        let mut handles = Vec::new();
        for task in 0..TASKS {
            let own: Vec<AppRecord>;
            (own, apps) = apps.into_iter().partition(|a| a.owner == task);
            handles.push(tokio::spawn(admin_at_work(burst.clone(), task, own)));
        }
        let deadline = Instant::now() + Duration::from_secs(120);
        while burst.acknowledged.load(Ordering::SeqCst) < kill_after
            && !handles.iter().all(|h| h.is_finished())
            && Instant::now() < deadline
        {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        burst.stop.store(true, Ordering::SeqCst);
        kill_hard(&mut served);
        let mut unexpected = Vec::new();
        let mut caught = 0;
        for handle in handles {
            let report = tokio::time::timeout(Duration::from_secs(60), handle)
                .await
                .expect("a task still waits for the dead server")
                .unwrap();
            apps.extend(report.apps);
            caught += usize::from(report.in_doubt);
            unexpected.extend(report.unexpected);
        }
        assert!(unexpected.is_empty(), "round {round}: {unexpected:#?}");
        let acknowledged = burst.acknowledged.load(Ordering::SeqCst);
        assert!(
            acknowledged >= kill_after,
            "round {round}: only {acknowledged} writes acknowledged"
        );
        assert_no_error_logged(&mut served, "killed");
        in_doubt += caught;

        // Assert: it starts again cleanly on the same file, which holds exactly what was acknowledged,
        // plus or minus whole writes whose answers never came.
        served = serve_binary_on(dir.clone(), &[]).await;
        let mut failures = Vec::new();
        let found = read_database(&served.db_path(), &mut failures).await;
        let landed;
        (apps, landed) = settle(apps, found, round, &mut failures);
        failures.extend(check_tokens(&served, &apps, round).await);
        assert!(failures.is_empty(), "round {round}: {failures:#?}");
        eprintln!(
            "round {round}: {acknowledged} writes acknowledged, {caught} in doubt of which {landed} \
             landed, ready again in {:?}, {} apps",
            served.ready_in,
            apps.len()
        );
    }
    assert!(in_doubt > 0, "no kill caught a write in flight");

    let (code, _) = terminate(&mut served.child);
    assert_eq!(code, Some(0));
    assert_no_error_logged(&mut served, "last");
    eprintln!("{ROUNDS} kills in {:?}", started.elapsed());
}
