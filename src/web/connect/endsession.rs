//! `/connect/endsession` (OpenID Connect RP-Initiated Logout 1.0): signs the person out of frontdesk
//! and sends them back only to a post-logout redirect URI the app registered. An app that proves who
//! it signs out (an `id_token_hint` for the signed-in person) signs them out at once; any other
//! request asks the person first, so a link on another site cannot sign anyone out.

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tower_sessions::Session;

use super::{error_page, redirect_to};
use crate::domain::AppKind;
use crate::http::headers::{csp_allowing, csp_origin};
use crate::signing::jwt;
use crate::web::error::AppError;
use crate::web::{CsrfForm, CurrentUser, WebState, render, session};

const PARAMS: [&str; 4] = [
    "id_token_hint",
    "post_logout_redirect_uri",
    "state",
    "client_id",
];

/// A checked logout request.
struct Logout {
    client_name: Option<String>,
    /// The `sub` of a valid `id_token_hint`.
    hint_subject: Option<String>,
    redirect_uri: Option<String>,
    state: Option<String>,
    /// The parameters as sent, for the confirmation form.
    present: Vec<(&'static str, String)>,
}

/// Reads and checks the request; a refusal is the error page, never a redirect.
async fn read(
    state: &WebState,
    pairs: &[(String, String)],
) -> Result<Result<Logout, Response>, AppError> {
    let refuse = |description: &str| Ok(Err(error_page("invalid_request", description)));
    let mut present: Vec<(&'static str, String)> = Vec::new();
    for (name, value) in pairs {
        let Some(&known) = PARAMS.iter().find(|p| *p == name) else {
            continue;
        };
        if present.iter().any(|(n, _)| *n == known) {
            return refuse(&format!("{known} is repeated"));
        }
        if !value.is_empty() {
            present.push((known, value.clone()));
        }
    }
    let get = |name: &str| {
        present
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.clone())
    };
    let hint = match get("id_token_hint") {
        None => None,
        Some(token) => {
            let keys = state.keys.current();
            match jwt::verify_id_token_hint(&keys, &token, &state.config.public_url) {
                Some(claims) => Some(claims),
                None => return refuse("id_token_hint is not an id_token issued by this server"),
            }
        }
    };
    let client_id = match (get("client_id"), hint.as_ref().map(|h| h.aud.clone())) {
        (Some(a), Some(b)) if a != b => {
            return refuse("client_id is not the audience of id_token_hint");
        }
        (a, b) => a.or(b),
    };
    let app = match &client_id {
        None => None,
        Some(id) => {
            let app = state
                .store
                .app_detail(&state.config.account_code, id)
                .await?;
            match app.filter(|a| a.kind == AppKind::Store) {
                Some(app) => Some(app),
                None => return refuse("No store app has this client ID."),
            }
        }
    };
    let redirect_uri = get("post_logout_redirect_uri");
    if let Some(uri) = &redirect_uri {
        let registered = app
            .as_ref()
            .and_then(|a| a.store.as_ref())
            .is_some_and(|s| s.post_logout_redirect_uris.iter().any(|r| r == uri));
        if app.is_none() {
            return refuse("post_logout_redirect_uri needs client_id or id_token_hint");
        }
        if !registered {
            return refuse(
                "post_logout_redirect_uri is not one of this app's registered post-logout redirect URIs",
            );
        }
    }
    Ok(Ok(Logout {
        client_name: app.map(|a| a.client_name),
        hint_subject: hint.map(|h| h.sub),
        redirect_uri,
        state: get("state"),
        present,
    }))
}

#[derive(Template)]
#[template(path = "connect/endsession.html")]
struct ConfirmPage<'a> {
    client_name: Option<&'a str>,
    user_email: &'a str,
    csrf_token: &'a str,
    request: Vec<(&'static str, &'a str)>,
}

#[derive(Template)]
#[template(path = "connect/signed_out.html")]
struct SignedOutPage;

pub async fn start(
    State(state): State<WebState>,
    RawQuery(query): RawQuery,
    user: Result<CurrentUser, AppError>,
) -> Result<Response, AppError> {
    let Ok(pairs) = crate::http::urlencoded::decode(query.unwrap_or_default().as_bytes()) else {
        return Ok(error_page(
            "invalid_request",
            "The request is not valid UTF-8.",
        ));
    };
    let logout = match read(&state, &pairs).await? {
        Ok(logout) => logout,
        Err(page) => return Ok(page),
    };
    let user = match user {
        Ok(user) => user,
        // Nobody to sign out.
        Err(AppError::SignInRequired { .. }) => return finish(&logout),
        Err(e) => return Err(e),
    };
    if logout.hint_subject.as_deref() == Some(user.user.subject.as_str()) {
        session::sign_out(&user.session).await?;
        tracing::info!(user_id = user.user.id, "signed out by an app");
        return finish(&logout);
    }
    let page = ConfirmPage {
        client_name: logout.client_name.as_deref(),
        user_email: &user.user.email,
        csrf_token: &user.csrf_token,
        request: logout
            .present
            .iter()
            .map(|(n, v)| (*n, v.as_str()))
            .collect(),
    };
    let targets: Vec<String> = logout
        .redirect_uri
        .as_deref()
        .and_then(csp_origin)
        .into_iter()
        .collect();
    Ok((
        [(
            axum::http::header::CONTENT_SECURITY_POLICY,
            csp_allowing(&targets, &[]),
        )],
        crate::http::NO_STORE,
        render(&page)?,
    )
        .into_response())
}

/// The confirmation form: the request, sent back as it came.
#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct ConfirmForm {
    id_token_hint: Option<String>,
    post_logout_redirect_uri: Option<String>,
    state: Option<String>,
    client_id: Option<String>,
}

pub async fn confirm(
    State(state): State<WebState>,
    session: Session,
    CsrfForm(form): CsrfForm<ConfirmForm>,
) -> Result<Response, AppError> {
    let pairs: Vec<(String, String)> = [
        ("id_token_hint", form.id_token_hint),
        ("post_logout_redirect_uri", form.post_logout_redirect_uri),
        ("state", form.state),
        ("client_id", form.client_id),
    ]
    .into_iter()
    .filter_map(|(n, v)| v.map(|v| (n.to_owned(), v)))
    .collect();
    let logout = match read(&state, &pairs).await? {
        Ok(logout) => logout,
        Err(page) => return Ok(page),
    };
    session::sign_out(&session).await?;
    finish(&logout)
}

/// After signing out: back to the app, or a page saying so.
fn finish(logout: &Logout) -> Result<Response, AppError> {
    match &logout.redirect_uri {
        Some(uri) => Ok(redirect_to(uri, &[("state", logout.state.as_deref())])),
        None => Ok(render(&SignedOutPage)?.into_response()),
    }
}
