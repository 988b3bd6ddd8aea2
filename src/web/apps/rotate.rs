//! Rotating a secret: a confirmation page choosing the grace period (how long the old secret keeps
//! working) and the new secret's description and expiry, then the new secret shown once.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use time::Duration;

use super::form::{
    CredentialsPage, ExpiryField, credentials_response, token_curl, validate_description,
    validate_expiry,
};
use super::register::{actor, unexpected};
use super::secrets::find_secret;
use crate::domain::SecretExpiry;
use crate::http::ClientAddr;
use crate::service::apps::{self, DEFAULT_GRACE_DAYS, Rotation, ServiceError, grace_days};
use crate::store::{AppDetail, SecretInfo};
use crate::web::error::AppError;
use crate::web::{AccountAdmin, CsrfForm, Layout, Path, WebState, render};

#[derive(Template)]
#[template(path = "apps/connected-apps/secrets/rotate.html")]
struct RotatePage {
    layout: Layout,
    app: AppDetail,
    secret: SecretInfo,
    grace_days: String,
    grace_error: Option<&'static str>,
    description: String,
    description_error: Option<&'static str>,
    expiry: ExpiryField,
    /// A refusal not about one field (the app has the most secrets allowed).
    error: Option<String>,
}

/// The Expires choice that repeats the old secret's period: a listed period when it is one, else the
/// date that far from today.
fn default_expiry(secret: &SecretInfo, now: time::OffsetDateTime) -> (String, String) {
    match SecretExpiry::period_of(secret.created_at, secret.expires_at) {
        SecretExpiry::Days(30) => ("30d".into(), String::new()),
        SecretExpiry::Days(90) => ("90d".into(), String::new()),
        SecretExpiry::Days(365) => ("1y".into(), String::new()),
        SecretExpiry::Days(days) => (
            "date".into(),
            (now + Duration::days(days)).date().to_string(),
        ),
        SecretExpiry::Never | SecretExpiry::On(_) => ("never".into(), String::new()),
    }
}

pub async fn confirm(
    AccountAdmin(user): AccountAdmin,
    State(state): State<WebState>,
    Path((client_id, secret_id)): Path<(String, i64)>,
) -> Result<Response, AppError> {
    let (app, secret) = find_secret(&state, &client_id, secret_id).await?;
    let (choice, on) = default_expiry(&secret, state.clock.now());
    let page = RotatePage {
        layout: user.layout("connected-apps"),
        grace_days: DEFAULT_GRACE_DAYS.to_string(),
        grace_error: None,
        description: secret.description.clone(),
        description_error: None,
        expiry: ExpiryField::new(&choice, &on, None),
        error: None,
        app,
        secret,
    };
    Ok(render(&page)?.into_response())
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct RotateForm {
    grace_days: String,
    secret_description: String,
    expires: String,
    expires_on: String,
}

pub async fn rotate(
    AccountAdmin(user): AccountAdmin,
    State(state): State<WebState>,
    ClientAddr(addr): ClientAddr,
    Path((client_id, secret_id)): Path<(String, i64)>,
    CsrfForm(form): CsrfForm<RotateForm>,
) -> Result<Response, AppError> {
    let (app, secret) = find_secret(&state, &client_id, secret_id).await?;
    let grace = grace_days(&form.grace_days);
    let mut errors = super::form::FieldErrors::default();
    let description = validate_description(&form.secret_description, &mut errors);
    let expires = validate_expiry(&form.expires, &form.expires_on, state.clock.now());
    let refuse = |app, secret, error: Option<String>| -> Result<Response, AppError> {
        let page = RotatePage {
            layout: user.layout("connected-apps"),
            app,
            secret,
            grace_days: form.grace_days.clone(),
            grace_error: grace.err(),
            description: form.secret_description.clone(),
            description_error: errors.secret_description,
            expiry: ExpiryField::new(&form.expires, &form.expires_on, expires.err()),
            error,
        };
        Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
    };
    let (Ok(grace), Some(description), Ok(expires)) = (grace, description.clone(), expires) else {
        return refuse(app, secret, None);
    };
    let rotation = Rotation {
        grace_days: grace,
        description: Some(description),
        expires: Some(expires),
    };
    let rotated = apps::rotate_secret(
        &state.core,
        actor(&user, addr),
        &app.client_id,
        secret.id,
        rotation,
    )
    .await;
    let rotated = match rotated {
        Ok(rotated) => rotated,
        Err(ServiceError::Conflict(message)) => return refuse(app, secret, Some(message)),
        Err(e) => return Err(unexpected(e)),
    };
    let secret_value = rotated.added.secret.expose();
    credentials_response(&CredentialsPage {
        layout: user.layout("connected-apps"),
        heading: format!("New secret for {}", app.client_name),
        token_curl: token_curl(&state.config.public_url, &app.client_id, secret_value),
        client_id: app.client_id,
        client_secret: secret_value.to_owned(),
    })
}
