//! `TestApp` (a served frontdesk with its own database), `Served` (the real binary in its own process) and
//! `Person` (a browser-like client with cookies).

use std::io::{BufRead, BufReader, Cursor};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use frontdesk::config::{Config, ServeArgs};
use frontdesk::identity::Identity;
use frontdesk::state::Core;
use frontdesk::store::Store;
use reqwest::redirect::Policy;
use reqwest::{Response, StatusCode};
use scraper::{Html, Selector};
use tempfile::TempDir;

pub const ADMIN_EMAIL: &str = "admin@example.com";
pub const ADMIN_PASSWORD: &str = "admin password 123";
pub const MEMBER_EMAIL: &str = "member@example.com";
pub const MEMBER_PASSWORD: &str = "member password 123";

/// The environment variable that runs the suite on PostgreSQL: a URL of a server where the tests may
/// create databases (e.g. `postgres://frontdesk@127.0.0.1:5433/postgres`). Unset: SQLite files.
pub const POSTGRES_ENV: &str = "FRONTDESK_TEST_DATABASE_URL";

/// Whether this run of the suite is on PostgreSQL.
pub fn on_postgres() -> bool {
    std::env::var(POSTGRES_ENV).is_ok_and(|url| !url.is_empty())
}

/// The database belonging to `dir`: `dir/<file>` on SQLite; on PostgreSQL a fresh database of its own,
/// created the first time and named in `dir/database_url` so a restart finds it again.
pub async fn database_url(dir: &TempDir, file: &str) -> String {
    let Ok(admin) = std::env::var(POSTGRES_ENV) else {
        return format!("sqlite://{}", dir.path().join(file).display());
    };
    let remembered = dir.path().join(format!("{file}.url"));
    if let Ok(url) = std::fs::read_to_string(&remembered) {
        return url;
    }
    use sqlx::Connection;
    let name = format!(
        "fd_test_{}",
        dir.path()
            .file_name()
            .unwrap()
            .to_string_lossy()
            .to_lowercase()
            .replace(|c: char| !c.is_ascii_alphanumeric(), "_")
    );
    let mut conn = sqlx::PgConnection::connect(&admin).await.unwrap();
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    let mut url = url::Url::parse(&admin).unwrap();
    url.set_path(&format!("/{name}"));
    std::fs::write(&remembered, url.as_str()).unwrap();
    url.into()
}

pub struct TestApp {
    pub base: String,
    /// The SQLite file (on PostgreSQL, where it would be: nothing is there).
    pub db_path: PathBuf,
    pub database_url: String,
    pub store: Store,
    pub core: Core,
    pub identity: Arc<Identity>,
    server: tokio::task::JoinHandle<()>,
    // Dropped last: the database lives here.
    _dir: Arc<TempDir>,
}

impl TestApp {
    /// A fresh frontdesk with an account admin and a member.
    pub async fn spawn() -> Self {
        let dir = Arc::new(tempfile::tempdir().unwrap());
        let app = Self::spawn_on(dir).await;
        app.add_user(ADMIN_EMAIL, ADMIN_PASSWORD, true).await;
        app.add_user(MEMBER_EMAIL, MEMBER_PASSWORD, false).await;
        app
    }

    /// Serves the database in `dir` (a restart when it already holds one).
    pub async fn spawn_on(dir: Arc<TempDir>) -> Self {
        Self::spawn_with_idle(dir, frontdesk::http::listener::IDLE_TIMEOUT).await
    }

    /// Serves the database in `dir` the way `frontdesk serve` does, connections ending after `idle`
    /// of silence.
    pub async fn spawn_with_idle(dir: Arc<TempDir>, idle: std::time::Duration) -> Self {
        let database_url = database_url(&dir, "frontdesk.db").await;
        Self::serve(dir, database_url, idle, None, None).await
    }

    /// A fresh frontdesk (admin and member) that trusts `proxies` (`FRONTDESK_TRUSTED_PROXIES`), so
    /// a test can speak for any client address through `X-Forwarded-For`.
    pub async fn spawn_trusting(proxies: &str) -> Self {
        let dir = Arc::new(tempfile::tempdir().unwrap());
        let database_url = database_url(&dir, "frontdesk.db").await;
        let idle = frontdesk::http::listener::IDLE_TIMEOUT;
        let app = Self::serve(dir, database_url, idle, None, Some(proxies.to_owned())).await;
        app.add_user(ADMIN_EMAIL, ADMIN_PASSWORD, true).await;
        app.add_user(MEMBER_EMAIL, MEMBER_PASSWORD, false).await;
        app
    }

    /// Serves the database at `database_url`, whichever backend this run of the suite is on (e.g. a
    /// SQLite file in `dir` on a PostgreSQL run); no users are added.
    pub async fn spawn_at(dir: Arc<TempDir>, database_url: String) -> Self {
        Self::serve(
            dir,
            database_url,
            frontdesk::http::listener::IDLE_TIMEOUT,
            None,
            None,
        )
        .await
    }

    /// Serves `database_url` at `public_url` (default: its own address).
    async fn serve(
        dir: Arc<TempDir>,
        database_url: String,
        idle: std::time::Duration,
        public_url: Option<String>,
        trusted_proxies: Option<String>,
    ) -> Self {
        let db_path = dir.path().join("frontdesk.db");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let base = format!("http://{addr}");
        let args = ServeArgs {
            public_url: Some(public_url.unwrap_or_else(|| base.clone())),
            trusted_proxies,
            ..ServeArgs::default()
        };
        let config = Config::from_args(&args, &database_url).unwrap();
        let prepared = frontdesk::prepare(config).await.unwrap();
        let store = prepared.core.store.clone();
        let core = prepared.core.clone();
        let identity = prepared.identity.clone();
        let router = frontdesk::app(prepared);
        let server = tokio::spawn(async move {
            axum::serve(
                frontdesk::http::listener::IdleListener::new(listener, idle),
                router.into_make_service_with_connect_info::<frontdesk::http::listener::Peer>(),
            )
            .await
            .unwrap();
        });
        Self {
            base,
            db_path,
            database_url,
            store,
            core,
            identity,
            server,
            _dir: dir,
        }
    }

    /// A second instance on the same database, as a balancer's other upstream: it has the same public
    /// URL (the issuer of its tokens) as this one.
    pub async fn another_instance(&self) -> Self {
        let idle = frontdesk::http::listener::IDLE_TIMEOUT;
        let (dir, url) = (self._dir.clone(), self.database_url.clone());
        Self::serve(dir, url, idle, Some(self.base.clone()), None).await
    }

    /// Stops this server and starts another on the same database.
    pub async fn restart(self) -> Self {
        self.server.abort();
        let _ = self.server.await;
        self.store.pool().close().await;
        Self::spawn_on(self._dir.clone()).await
    }

    pub async fn add_user(&self, email: &str, password: &str, admin: bool) {
        let input = Cursor::new(format!("{password}\n"));
        frontdesk::cli::users::add_user(&self.store, email, None, admin, input)
            .await
            .unwrap();
    }

    pub fn person(&self) -> Person {
        Person::at(&self.base)
    }

    pub async fn admin(&self) -> Person {
        let p = self.person();
        p.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
        p
    }

    pub async fn member(&self) -> Person {
        let p = self.person();
        p.sign_in(MEMBER_EMAIL, MEMBER_PASSWORD).await;
        p
    }

    pub async fn count(&self, table: &str) -> i64 {
        let sql = format!("SELECT COUNT(*) FROM {table}");
        frontdesk::on_db!(self.store.pool(), p => sqlx::query_scalar(&sql).fetch_one(p).await)
            .unwrap()
    }

    /// Rows of every table frontdesk writes app data to: (apps, scopes, secrets, audit rows about apps).
    pub async fn app_tables(&self) -> (i64, i64, i64, i64) {
        (
            self.count("apps").await,
            self.count("app_scopes").await,
            self.count("app_secrets").await,
            self.app_events().await,
        )
    }

    /// Audit rows about apps (sign-ins and people changes are recorded too, without a client ID).
    pub async fn app_events(&self) -> i64 {
        frontdesk::on_db!(self.store.pool(), p => sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE client_id IS NOT NULL").fetch_one(p).await)
            .unwrap()
    }
}

/// The real binary (`frontdesk serve`) in its own process, so it can be signalled and killed for real.
pub struct Served {
    pub child: Child,
    pub base: String,
    /// Holds the database, `fd.db`.
    pub dir: Arc<TempDir>,
    /// How long it took to answer `/readyz` with 200.
    pub ready_in: Duration,
    // Its stderr is read as it comes (a full pipe would block the server) and kept here.
    logs: Arc<Mutex<String>>,
    log_reader: Option<std::thread::JoinHandle<()>>,
}

impl Served {
    pub fn db_path(&self) -> PathBuf {
        self.dir.path().join("fd.db")
    }

    /// A person with no session yet at this server.
    pub fn person(&self) -> Person {
        Person::at(&self.base)
    }

    /// Its log lines so far; all of them once it has exited.
    pub fn logs(&mut self) -> String {
        if self.child.try_wait().unwrap().is_some()
            && let Some(reader) = self.log_reader.take()
        {
            reader.join().unwrap();
        }
        self.logs.lock().unwrap().clone()
    }
}

impl Drop for Served {
    // A failed test must not leave a server running.
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The binary serving a fresh database, with `extra_env`; returns once it is ready.
pub async fn serve_binary(extra_env: &[(&str, &str)]) -> Served {
    serve_binary_on(Arc::new(tempfile::tempdir().unwrap()), extra_env).await
}

/// The binary serving the database in `dir` (a restart when it already holds one); returns once it is
/// ready, and fails the test with its logs if it exits or is not ready within a generous minute.
pub async fn serve_binary_on(dir: Arc<TempDir>, extra_env: &[(&str, &str)]) -> Served {
    // The port is free when chosen but another process may take it before the server binds: try again.
    for _ in 0..3 {
        let port = free_port();
        let started = Instant::now();
        let database_url = database_url(&dir, "fd.db").await;
        let mut child = Command::new(env!("CARGO_BIN_EXE_frontdesk"))
            .arg("serve")
            .env("DATABASE_URL", &database_url)
            .env("FRONTDESK_LISTEN", format!("127.0.0.1:{port}"))
            .env("FRONTDESK_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .env("FRONTDESK_ADMIN_EMAIL", ADMIN_EMAIL)
            .env("RUST_LOG", "info")
            .envs(extra_env.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let logs = Arc::new(Mutex::new(String::new()));
        let log_reader = {
            let stderr = child.stderr.take().unwrap();
            let logs = logs.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stderr).lines() {
                    let Ok(line) = line else { break };
                    let mut logs = logs.lock().unwrap();
                    logs.push_str(&line);
                    logs.push('\n');
                }
            })
        };
        let mut served = Served {
            child,
            base: format!("http://127.0.0.1:{port}"),
            dir: dir.clone(),
            ready_in: Duration::ZERO,
            logs,
            log_reader: Some(log_reader),
        };
        let deadline = started + Duration::from_secs(60);
        loop {
            if reqwest::get(format!("{}/readyz", served.base))
                .await
                .is_ok_and(|r| r.status().is_success())
            {
                served.ready_in = started.elapsed();
                return served;
            }
            if served.child.try_wait().unwrap().is_some() {
                let logs = served.logs();
                assert!(logs.contains("cannot listen"), "the server exited:\n{logs}");
                break;
            }
            assert!(
                Instant::now() < deadline,
                "not ready after a minute:\n{}",
                served.logs()
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
    panic!("no free port found for the server");
}

/// Sends SIGTERM and waits (at most 10 s, then kills); returns the exit code and how long it took.
pub fn terminate(child: &mut Child) -> (Option<i32>, Duration) {
    let started = Instant::now();
    // SAFETY: sending a signal to our own child process.
    #[allow(unsafe_code)] // signalling the child: libc::kill has no safe wrapper here
    unsafe {
        libc::kill(i32::try_from(child.id()).unwrap(), libc::SIGTERM);
    }
    let deadline = started + Duration::from_secs(10);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return (status.code(), started.elapsed());
        }
        if Instant::now() > deadline {
            child.kill().unwrap();
            return (None, started.elapsed());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Someone using the dashboard through a browser-like client that keeps cookies and does not follow
/// redirects (so tests see them).
pub struct Person {
    pub base: String,
    pub client: reqwest::Client,
}

impl Person {
    /// Someone with a fresh cookie jar at `base`.
    pub fn at(base: &str) -> Self {
        Self {
            base: base.to_owned(),
            client: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(Policy::none())
                .build()
                .unwrap(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    /// GET that must succeed; returns the parsed page.
    pub async fn page(&self, path: &str) -> Html {
        let r = self.get(path).await;
        assert_eq!(r.status(), StatusCode::OK, "GET {path}");
        Html::parse_document(&r.text().await.unwrap())
    }

    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> Response {
        self.client
            .post(self.url(path))
            .form(form)
            .send()
            .await
            .unwrap()
    }

    /// The CSRF token of the form on `path`.
    pub async fn csrf(&self, path: &str) -> String {
        let page = self.page(path).await;
        input_value(&page, "input[name=csrf_token]").expect("a csrf_token field")
    }

    pub async fn try_sign_in(&self, email: &str, password: &str) -> Response {
        let token = self.csrf("/login").await;
        self.post(
            "/login",
            &[
                ("csrf_token", &token),
                ("email", email),
                ("password", password),
                ("next", ""),
            ],
        )
        .await
    }

    /// Signs in and returns the session cookie (`frontdesk_session=...`), as someone who copied it would
    /// have it.
    pub async fn sign_in_cookie(&self, email: &str, password: &str) -> String {
        let r = self.try_sign_in(email, password).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "sign-in of {email}");
        crate::login::session_cookie(&r).expect("a session cookie at sign-in")
    }

    pub async fn sign_in(&self, email: &str, password: &str) {
        let r = self.try_sign_in(email, password).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "sign-in of {email}");
    }

    /// Posts `fields` to `action` with the CSRF token of the form on `page`, as a browser would.
    pub async fn post_with_token(
        &self,
        page: &str,
        action: &str,
        fields: &[(&str, &str)],
    ) -> Response {
        let token = self.csrf(page).await;
        let mut form = vec![("csrf_token", token.as_str())];
        form.extend_from_slice(fields);
        self.post(action, &form).await
    }

    /// Posts the New custom app form with a fresh CSRF token, plus `fields`.
    pub async fn create_app(&self, fields: &[(&str, &str)]) -> Response {
        let token = self.csrf("/apps/connected-apps/create").await;
        let mut form = vec![("csrf_token", token.as_str())];
        form.extend_from_slice(fields);
        self.post("/apps/connected-apps/create", &form).await
    }
}

impl TestApp {
    /// Registers an app through the dashboard as the admin; returns (client ID, client secret).
    pub async fn register_app(&self, code: &str, scopes: &[&str]) -> (String, String) {
        let admin = self.admin().await;
        let mut form: Vec<(&str, &str)> = app_form(code)
            .into_iter()
            .filter(|(k, _)| *k != "scopes")
            .collect();
        form.extend(scopes.iter().map(|s| ("scopes", *s)));
        let r = admin.create_app(&form).await;
        assert_eq!(r.status(), StatusCode::OK, "registering {code}");
        let page = html(r).await;
        (
            input_value(&page, "#client-id").unwrap(),
            input_value(&page, "#client-secret").unwrap(),
        )
    }
}

/// The JWKS `app` serves, as any JSON type (`serde_json::Value`, `jsonwebtoken::jwk::JwkSet`).
pub async fn served_jwks<T: serde::de::DeserializeOwned>(app: &TestApp) -> T {
    let url = format!("{}/.well-known/openid-configuration/jwks", app.base);
    reqwest::get(url).await.unwrap().json().await.unwrap()
}

/// A client with no cookie jar that does not follow redirects: someone replaying a copied cookie.
/// A client-credentials request with HTTP Basic, as if forwarded for `forwarded_for` when given
/// (`X-Forwarded-For`, honoured only from a trusted proxy): status, headers and JSON body.
pub async fn client_credentials(
    app: &TestApp,
    id: &str,
    secret: &str,
    forwarded_for: Option<&str>,
) -> (StatusCode, reqwest::header::HeaderMap, serde_json::Value) {
    let mut request = reqwest::Client::new()
        .post(format!("{}/connect/token", app.base))
        .basic_auth(id, Some(secret))
        .form(&[("grant_type", "client_credentials")]);
    if let Some(addr) = forwarded_for {
        request = request.header("x-forwarded-for", addr);
    }
    let r = request.send().await.unwrap();
    let (status, headers) = (r.status(), r.headers().clone());
    (status, headers, r.json().await.unwrap_or_default())
}

/// Whether introspection, asked by the app `caller` (client ID, secret), finds `token` active.
pub async fn active(app: &TestApp, caller: (&str, &str), token: &str) -> bool {
    let r = reqwest::Client::new()
        .post(format!("{}/connect/introspect", app.base))
        .basic_auth(caller.0, Some(caller.1))
        .form(&[("token", token)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let v: serde_json::Value = r.json().await.unwrap();
    v["active"].as_bool().unwrap()
}

pub fn bare_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .unwrap()
}

/// A valid New custom app form for `code`.
pub fn app_form(code: &str) -> Vec<(&str, &str)> {
    vec![
        ("client_code", code),
        ("client_name", "Voice assistant"),
        ("pii_mode", "Retrieve"),
        ("secret_description", "Production server"),
        ("scopes", "reservations.read"),
        ("scopes", "setup.read"),
    ]
}

pub fn select<'a>(page: &'a Html, css: &str) -> Vec<scraper::ElementRef<'a>> {
    let selector = Selector::parse(css).unwrap();
    page.select(&selector).collect()
}

pub fn text(page: &Html, css: &str) -> Option<String> {
    // Text nodes joined by a space, as a reader sees `<dt>Name</dt><dd>Value</dd>`; runs of space collapse.
    select(page, css).first().map(|e| {
        e.text()
            .collect::<Vec<_>>()
            .join(" ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    })
}

pub fn input_value(page: &Html, css: &str) -> Option<String> {
    select(page, css)
        .first()
        .and_then(|e| e.value().attr("value"))
        .map(str::to_owned)
}

/// The control a `<label>` with exactly `label` text points at.
pub fn labelled<'a>(page: &'a Html, label: &str) -> Option<scraper::ElementRef<'a>> {
    let id = select(page, "label")
        .into_iter()
        .find(|l| l.text().collect::<String>().trim() == label)?
        .value()
        .attr("for")?
        .to_owned();
    select(page, &format!("[id=\"{id}\"]")).into_iter().next()
}

pub async fn html(r: Response) -> Html {
    Html::parse_document(&r.text().await.unwrap())
}
