//! `GET /connect/authorize`: check the request, have the person sign in, ask for their consent (or
//! find it remembered) and send a code back. `POST /connect/authorize`: the consent screen's answer.

use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::pages::{consent_page, not_allowed_page};
use super::request::{self, Checked, Params, Refusal};
use super::{error_page, redirect_to};
use crate::domain::audit::Connection;
use crate::domain::{AuditEvent, random_token, token_hash};
use crate::http::ClientAddr;
use crate::store::{AppDetail, NewAuthorizationCode};
use crate::web::apps::audit_entry;
use crate::web::error::AppError;
use crate::web::{CsrfForm, CurrentUser, WebState, session};

/// How long a code may wait for its exchange (RFC 6749 §4.1.2 recommends at most 10 minutes).
const CODE_LIFETIME: time::Duration = time::Duration::minutes(5);

pub async fn start(
    State(state): State<WebState>,
    RawQuery(query): RawQuery,
    user: Result<CurrentUser, AppError>,
) -> Result<Response, AppError> {
    let issuer = state.config.public_url.clone();
    let Ok(pairs) = crate::http::urlencoded::decode(query.unwrap_or_default().as_bytes()) else {
        return Ok(error_page(
            "invalid_request",
            "The request is not valid UTF-8.",
        ));
    };
    let params = Params::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let (app, checked) = match load_and_check(&state, &params).await? {
        Ok(found) => found,
        Err(refusal) => return Ok(refusal.respond(&issuer)),
    };
    let back = |error, description: &str| {
        Refusal::Redirect {
            redirect_uri: checked.redirect_uri.clone(),
            error,
            description: description.to_owned(),
            state: checked.state.clone(),
        }
        .respond(&issuer)
    };
    let user = match user {
        Ok(user) => user,
        Err(AppError::SignInRequired { .. }) if checked.prompt_none => {
            return Ok(back("login_required", "the person is not signed in"));
        }
        Err(e) => return Err(e),
    };
    let signed_in_at = session::signed_in_at(&user.session).await?;
    if checked.needs_fresh_sign_in(signed_in_at, state.clock.now()) {
        if checked.prompt_none {
            return Ok(back("login_required", "the person must sign in again"));
        }
        return Ok(sign_in_again(&params));
    }
    if !user.user.is_admin {
        if checked.prompt_none {
            return Ok(back(
                "consent_required",
                "only an account admin can authorize this app",
            ));
        }
        return not_allowed_page(&state, &user, &app, &checked, &params).await;
    }
    let consented = state
        .store
        .consent(app.id, user.user.id)
        .await?
        .unwrap_or_default();
    let covered = checked.scopes.iter().all(|s| consented.contains(s));
    if covered && !checked.prompt_consent {
        return issue_code(&state, &user, &app, &checked).await;
    }
    if checked.prompt_none {
        return Ok(back(
            "consent_required",
            "the person has not authorized these scopes",
        ));
    }
    consent_page(&state, &user, &app, &checked, &params, &consented)
}

/// To the sign-in form, even though signed in, and back to this request once the password is typed
/// again. The way back leaves out `prompt=login` and `max_age`, which the new sign-in has satisfied,
/// so it cannot loop (`max_age=0` would, a second later).
fn sign_in_again(params: &Params) -> Response {
    let mut back = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in params.present() {
        match name {
            "max_age" => {}
            "prompt" => {
                let rest: Vec<&str> = value.split(' ').filter(|w| *w != "login").collect();
                if !rest.iter().all(|w| w.is_empty()) {
                    back.append_pair(name, &rest.join(" "));
                }
            }
            _ => {
                back.append_pair(name, value);
            }
        }
    }
    let next = format!("/connect/authorize?{}", back.finish());
    let mut to = url::form_urlencoded::Serializer::new(String::new());
    to.append_pair("next", &next).append_pair("again", "1");
    axum::response::Redirect::to(&format!("/login?{}", to.finish())).into_response()
}

/// The consent form: the decision and the request, sent back as it came.
#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct ConsentForm {
    decision: String,
    response_type: Option<String>,
    client_id: Option<String>,
    redirect_uri: Option<String>,
    scope: Option<String>,
    state: Option<String>,
    nonce: Option<String>,
    code_challenge: Option<String>,
    code_challenge_method: Option<String>,
    prompt: Option<String>,
    max_age: Option<String>,
    response_mode: Option<String>,
    request: Option<String>,
    request_uri: Option<String>,
}

impl ConsentForm {
    fn params(&self) -> Params {
        let fields = [
            ("response_type", &self.response_type),
            ("client_id", &self.client_id),
            ("redirect_uri", &self.redirect_uri),
            ("scope", &self.scope),
            ("state", &self.state),
            ("nonce", &self.nonce),
            ("code_challenge", &self.code_challenge),
            ("code_challenge_method", &self.code_challenge_method),
            ("prompt", &self.prompt),
            ("max_age", &self.max_age),
            ("response_mode", &self.response_mode),
            ("request", &self.request),
            ("request_uri", &self.request_uri),
        ];
        Params::from_pairs(
            fields
                .into_iter()
                .filter_map(|(name, value)| value.as_deref().map(|v| (name, v))),
        )
    }
}

/// The consent screen's answer. The request is checked again from scratch: the form is only the
/// person's own copy of it.
pub async fn decide(
    State(state): State<WebState>,
    user: CurrentUser,
    ClientAddr(addr): ClientAddr,
    CsrfForm(form): CsrfForm<ConsentForm>,
) -> Result<Response, AppError> {
    let issuer = state.config.public_url.clone();
    let (app, checked) = match load_and_check(&state, &form.params()).await? {
        Ok(found) => found,
        Err(refusal) => return Ok(refusal.respond(&issuer)),
    };
    match form.decision.as_str() {
        "cancel" => Ok(Refusal::Redirect {
            redirect_uri: checked.redirect_uri,
            error: "access_denied",
            description: "the person did not authorize the app".to_owned(),
            state: checked.state,
        }
        .respond(&issuer)),
        "authorize" if user.user.is_admin => {
            let before = state
                .store
                .consent(app.id, user.user.id)
                .await?
                .unwrap_or_default();
            if !checked.scopes.iter().all(|s| before.contains(s)) {
                let all = before.iter().chain(&checked.scopes).map(String::as_str);
                let scopes = state
                    .catalog
                    .parse_store_selection(all)
                    .map_err(|why| AppError::Internal(anyhow::anyhow!(why)))?;
                let event = AuditEvent::AppConnected(Connection {
                    scopes: scopes.clone(),
                });
                let entry = audit_entry(&user, addr, &app.client_id, event);
                state
                    .store
                    .save_consent(app.id, user.user.id, &scopes, &entry)
                    .await?;
                tracing::info!(client_id = %app.client_id, user_id = user.user.id, "app authorized");
            }
            issue_code(&state, &user, &app, &checked).await
        }
        "authorize" => Err(AppError::Forbidden),
        _ => Err(AppError::Rejected {
            status: axum::http::StatusCode::BAD_REQUEST,
            message: "Choose Authorize or Cancel; nothing was changed.".into(),
        }),
    }
}

/// The app the request names and the request checked against it.
async fn load_and_check(
    state: &WebState,
    params: &Params,
) -> Result<Result<(AppDetail, Checked), Refusal>, AppError> {
    let client_id = match request::client_id(params) {
        Ok(id) => id,
        Err(refusal) => return Ok(Err(refusal)),
    };
    let app = state
        .store
        .app_detail(&state.config.account_code, client_id)
        .await?;
    let checked = request::check(params, app, &state.catalog);
    // A suspended app starts no sign-in (its codes could not be exchanged anyway): said to the app,
    // whose redirect URI is trusted by now.
    if let Ok((app, checked)) = &checked
        && app.suspended_at.is_some()
    {
        return Ok(Err(Refusal::Redirect {
            redirect_uri: checked.redirect_uri.clone(),
            error: "unauthorized_client",
            description: "this client is suspended".to_owned(),
            state: checked.state.clone(),
        }));
    }
    Ok(checked)
}

/// Stores a code for the request and sends it to the app.
async fn issue_code(
    state: &WebState,
    user: &CurrentUser,
    app: &AppDetail,
    checked: &Checked,
) -> Result<Response, AppError> {
    let now = state.clock.now();
    let auth_time = session::signed_in_at(&user.session)
        .await?
        .or(user.user.last_sign_in_at)
        .unwrap_or(now);
    let code = random_token();
    state
        .store
        .add_authorization_code(&NewAuthorizationCode {
            code_hash: &token_hash(&code),
            app_id: app.id,
            user_id: user.user.id,
            scopes: &checked.scopes,
            redirect_uri: &checked.redirect_uri,
            redirect_uri_sent: checked.redirect_uri_sent,
            nonce: checked.nonce.as_deref(),
            code_challenge: checked.code_challenge.as_deref(),
            auth_time,
            expires_at: now + CODE_LIFETIME,
        })
        .await?;
    Ok(redirect_to(
        &checked.redirect_uri,
        &[
            ("code", Some(&code)),
            ("state", checked.state.as_deref()),
            ("iss", Some(&state.config.public_url)),
        ],
    ))
}
