//! `TestApp` (a served frontdesk with its own database) and `Person` (a browser-like client with cookies).

use std::io::Cursor;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use frontdesk::config::{Config, ServeArgs};
use frontdesk::state::AppState;
use frontdesk::store::Store;
use reqwest::redirect::Policy;
use reqwest::{Response, StatusCode};
use scraper::{Html, Selector};
use tempfile::TempDir;

pub const ADMIN_EMAIL: &str = "admin@example.com";
pub const ADMIN_PASSWORD: &str = "admin password 123";
pub const MEMBER_EMAIL: &str = "member@example.com";
pub const MEMBER_PASSWORD: &str = "member password 123";

pub struct TestApp {
    pub base: String,
    pub db_path: PathBuf,
    pub store: Store,
    pub state: AppState,
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
        let db_path = dir.path().join("frontdesk.db");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let base = format!("http://{addr}");
        let args = ServeArgs {
            public_url: Some(base.clone()),
            ..ServeArgs::default()
        };
        let config = Config::from_args(&args, &format!("sqlite://{}", db_path.display())).unwrap();
        let prepared = frontdesk::prepare(config).await.unwrap();
        let store = prepared.state.store.clone();
        let state = prepared.state.clone();
        let router = frontdesk::app(prepared);
        let server = tokio::spawn(async move {
            axum::serve(
                listener,
                router.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .await
            .unwrap();
        });
        Self {
            base,
            db_path,
            store,
            state,
            server,
            _dir: dir,
        }
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
        frontdesk::users::add_user(&self.store, email, None, admin, input)
            .await
            .unwrap();
    }

    pub fn person(&self) -> Person {
        Person {
            base: self.base.clone(),
            client: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(Policy::none())
                .build()
                .unwrap(),
        }
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
        sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(self.store.pool())
            .await
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
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE client_id IS NOT NULL")
            .fetch_one(self.store.pool())
            .await
            .unwrap()
    }
}

/// Someone using the dashboard through a browser-like client that keeps cookies and does not follow
/// redirects (so tests see them).
pub struct Person {
    pub base: String,
    pub client: reqwest::Client,
}

impl Person {
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
