//! Sign in and sign out.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use tower_sessions::Session;

use super::throttle::{self, Verdict};
use super::{CsrfForm, NoFields, Query, render, session};
use crate::domain::{AuditEvent, PasswordHasher, SecretValue, parse_email};
use crate::http::ClientAddr;
use crate::store::AuditEntry;
use crate::web::WebState;
use crate::web::error::AppError;
use crate::web::error::error_page;

pub fn router() -> Router<WebState> {
    Router::new()
        .route("/login", get(show).post(submit))
        .route("/logout", post(logout))
}

/// Where to go after sign-in when no (acceptable) page was asked for.
const HOME: &str = "/apps/connected-apps";

/// Accepts only a local path (`/x`, not `//host` or `/\host`), so sign-in is no open redirect.
fn local_path(next: &str) -> &str {
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && !next.chars().any(|c| c.is_control() || c == '\\');
    if ok { next } else { HOME }
}

/// The sign-in page's policy. Browsers apply `form-action` to every redirect after a form is sent,
/// and signing in on the way to `/connect/authorize` can end, through a remembered consent, at the
/// app's redirect URI: then the policy also allows that URI's origin, or, when the request leaves the
/// redirect URI out (the app has one), what any store app's redirect URI may be (https, or http on a
/// loopback address).
fn form_policy(next: &str) -> Option<[(axum::http::HeaderName, axum::http::HeaderValue); 1]> {
    let query = next.strip_prefix("/connect/authorize?")?;
    let named = crate::http::urlencoded::decode(query.as_bytes())
        .ok()?
        .into_iter()
        .find(|(name, _)| name == "redirect_uri")
        .map(|(_, uri)| uri);
    let targets: Vec<String> = match named {
        Some(uri) => crate::http::headers::csp_origin(&uri).into_iter().collect(),
        None => vec!["https:".to_owned(), "http:".to_owned()],
    };
    Some([(
        axum::http::header::CONTENT_SECURITY_POLICY,
        crate::http::headers::csp_allowing(&targets, &[]),
    )])
}

#[derive(Template)]
#[template(path = "login/page.html")]
struct LoginPage<'a> {
    csrf_token: String,
    email: &'a str,
    next: &'a str,
    error: Option<&'a str>,
    /// Signed in, asked to type the password again.
    again: bool,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NextQuery {
    next: String,
    /// An app asked for the password to be typed again (`prompt=login`, `max_age`): the form is shown
    /// to a signed-in person too, with their email filled in.
    again: Option<String>,
}

async fn show(
    State(state): State<WebState>,
    session: Session,
    Query(q): Query<NextQuery>,
) -> Result<Response, AppError> {
    let mut email = String::new();
    if let Some((user_id, _)) = session::signed_in_user(&session).await? {
        if q.again.is_none() {
            return Ok(Redirect::to(local_path(&q.next)).into_response());
        }
        if let Some(user) = state.store.user_by_id(user_id).await? {
            email = user.email;
        }
    }
    let page = LoginPage {
        csrf_token: session::csrf_token(&session).await?,
        email: &email,
        next: &q.next,
        error: None,
        again: q.again.is_some(),
    };
    Ok((form_policy(&q.next), render(&page)?).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct LoginForm {
    email: String,
    password: String,
    next: String,
}

async fn submit(
    State(state): State<WebState>,
    session: Session,
    ClientAddr(addr): ClientAddr,
    CsrfForm(form): CsrfForm<LoginForm>,
) -> Result<Response, AppError> {
    let email: String = form.email.trim().to_lowercase().chars().take(254).collect();
    let address = addr.map(|a| a.to_string());
    let now = state.clock.now();
    match throttle::check(&state.store, &email, address.as_deref(), now).await? {
        Verdict::Refuse(seconds) => {
            metrics::counter!("frontdesk_sign_ins_total", "outcome" => "throttled").increment(1);
            return Ok(too_many_attempts(seconds));
        }
        Verdict::Proceed(delay) => tokio::time::sleep(delay).await,
    }
    // Nothing that is not an email address can be anyone's: answered at once, counted against the
    // address like any failure, but not recorded (the activity log is about accounts).
    if parse_email(&email).is_err() {
        throttle::failed(&state.store, &email, address.as_deref(), now).await?;
        metrics::counter!("frontdesk_sign_ins_total", "outcome" => "failure").increment(1);
        let page = LoginPage {
            csrf_token: session::csrf_token(&session).await?,
            email: &email,
            next: &form.next,
            error: Some("Enter the email address you sign in with, such as name@example.com."),
            again: false,
        };
        let policy = form_policy(&form.next);
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, policy, render(&page)?).into_response());
    }
    let user = state.store.user_by_email(&email).await?;
    let password = SecretValue::from_presented(form.password);
    let stored = user.as_ref().map(|u| u.password_hash.clone());
    let matches = PasswordHasher.verify_async(password, stored).await?;

    match user {
        Some(user) if matches && user.enabled => {
            session::sign_in(&session, user.id, &user.password_hash, now).await?;
            throttle::succeeded(&state.store, &email).await?;
            metrics::counter!("frontdesk_sign_ins_total", "outcome" => "success").increment(1);
            let entry = AuditEntry {
                actor_id: Some(user.id),
                actor_email: Some(&user.email),
                source_addr: address,
                client_id: None,
                event: AuditEvent::SignedIn,
            };
            state.store.record_sign_in(user.id, now, entry).await?;
            tracing::info!(user_id = user.id, "signed in");
            Ok(Redirect::to(local_path(&form.next)).into_response())
        }
        _ => {
            throttle::failed(&state.store, &email, address.as_deref(), now).await?;
            metrics::counter!("frontdesk_sign_ins_total", "outcome" => "failure").increment(1);
            let entry = AuditEntry {
                actor_id: None,
                actor_email: Some(&email),
                source_addr: address.clone(),
                client_id: None,
                event: AuditEvent::SignInFailed,
            };
            state.store.record_event(entry).await?;
            let page = LoginPage {
                csrf_token: session::csrf_token(&session).await?,
                email: &email,
                next: &form.next,
                error: Some("Incorrect email or password."),
                again: false,
            };
            let policy = form_policy(&form.next);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, policy, render(&page)?).into_response())
        }
    }
}

/// The 429 page: the same for every email, known or not.
fn too_many_attempts(seconds: u64) -> Response {
    let minutes = seconds.div_ceil(60);
    let mut response = error_page(
        StatusCode::TOO_MANY_REQUESTS,
        "Too many sign-in attempts",
        &format!(
            "Sign-in is paused after repeated failures. Wait {minutes} minute{} and try again.",
            if minutes == 1 { "" } else { "s" }
        ),
    );
    response
        .headers_mut()
        .insert(axum::http::header::RETRY_AFTER, seconds.into());
    response
}

async fn logout(session: Session, _: CsrfForm<NoFields>) -> Result<Response, AppError> {
    session::sign_out(&session).await?;
    Ok(Redirect::to("/login").into_response())
}

#[cfg(test)]
mod tests {
    use super::{form_policy, local_path};

    #[test]
    fn the_sign_in_page_lets_its_form_end_at_the_redirect_uri_it_is_on_the_way_to() {
        let policy =
            |next: &str| form_policy(next).map(|[(_, value)]| value.to_str().unwrap().to_owned());
        assert_eq!(policy("/apps/connected-apps"), None);
        let named = policy(
            "/connect/authorize?client_id=A&redirect_uri=http%3A%2F%2F%5B%3A%3A1%5D%3A8080%2Fcb",
        );
        assert!(named.unwrap().contains("form-action 'self' http:;"));
        let named = policy("/connect/authorize?redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb");
        assert!(
            named
                .unwrap()
                .contains("form-action 'self' https://app.example.com;")
        );
        let unnamed = policy("/connect/authorize?client_id=A").unwrap();
        assert!(unnamed.contains("form-action 'self' https: http:;"));
        assert!(unnamed.contains("frame-ancestors 'none'"));
    }

    #[test]
    fn only_local_paths_are_followed_after_sign_in() {
        assert_eq!(
            local_path("/apps/connected-apps/create?x=1"),
            "/apps/connected-apps/create?x=1"
        );
        for bad in [
            "",
            "https://evil.example",
            "//evil.example",
            "/\\evil.example",
            "apps",
            "/a\\b",
            "/a\nb",
        ] {
            assert_eq!(local_path(bad), super::HOME, "{bad:?}");
        }
    }
}
