//! An app's secrets: add one (shown once), delete one (after a confirmation naming it).

use crate::web::Path;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::detail::{back_to_app, load_app};
use super::form::{
    CredentialsPage, ExpiryField, FieldErrors, credentials_response, token_curl,
    validate_description, validate_expiry,
};
use super::register::{actor, unexpected};
use crate::http::ClientAddr;
use crate::service::apps::{self, ServiceError, rules::TOO_MANY};
use crate::store::{AppDetail, MAX_SECRETS_PER_APP, SecretInfo};
use crate::web::WebState;
use crate::web::error::AppError;
use crate::web::{AccountAdmin, Checkbox, CsrfForm, Layout, render};

#[derive(Template)]
#[template(path = "apps/connected-apps/secrets/new.html")]
struct AddSecretPage {
    layout: Layout,
    app: AppDetail,
    description: String,
    error: Option<&'static str>,
    expiry: ExpiryField,
}

fn full(app: &AppDetail) -> bool {
    i64::try_from(app.secrets.len()).unwrap_or(i64::MAX) >= MAX_SECRETS_PER_APP
}

pub async fn show_add(
    AccountAdmin(user): AccountAdmin,
    State(state): State<WebState>,
    Path(client_id): Path<String>,
) -> Result<Response, AppError> {
    let app = load_app(&state, &client_id).await?;
    let error = full(&app).then_some(TOO_MANY);
    let page = AddSecretPage {
        layout: user.layout("connected-apps"),
        app,
        description: String::new(),
        error,
        expiry: ExpiryField::new("never", "", None),
    };
    Ok(render(&page)?.into_response())
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct AddSecretForm {
    secret_description: String,
    expires: String,
    expires_on: String,
}

pub async fn add(
    AccountAdmin(user): AccountAdmin,
    State(state): State<WebState>,
    ClientAddr(addr): ClientAddr,
    Path(client_id): Path<String>,
    CsrfForm(form): CsrfForm<AddSecretForm>,
) -> Result<Response, AppError> {
    let app = load_app(&state, &client_id).await?;
    let mut errors = FieldErrors::default();
    let description = validate_description(&form.secret_description, &mut errors);
    let expires = validate_expiry(&form.expires, &form.expires_on, state.clock.now());
    let refuse = |app: AppDetail,
                  error: Option<&'static str>,
                  expires_error: Option<&'static str>|
     -> Result<Response, AppError> {
        let page = AddSecretPage {
            layout: user.layout("connected-apps"),
            app,
            description: form.secret_description.clone(),
            error,
            expiry: ExpiryField::new(&form.expires, &form.expires_on, expires_error),
        };
        Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
    };
    let (Some(description), Ok(expires)) = (description, expires) else {
        return refuse(app, errors.secret_description, expires.err());
    };
    if full(&app) {
        return refuse(app, Some(TOO_MANY), None);
    }

    let added = apps::add_secret(
        &state.core,
        actor(&user, addr),
        &app.client_id,
        &description,
        expires,
        None,
    )
    .await;
    let added = match added {
        Ok(added) => added,
        // Another admin filled the last place between our check and our insert.
        Err(ServiceError::Conflict(_)) => return refuse(app, Some(TOO_MANY), None),
        Err(e) => return Err(unexpected(e)),
    };
    credentials_response(&CredentialsPage {
        layout: user.layout("connected-apps"),
        heading: format!("New secret for {}", app.client_name),
        token_curl: token_curl(
            &state.config.public_url,
            &app.client_id,
            added.secret.expose(),
        ),
        client_id: app.client_id,
        client_secret: added.secret.expose().to_owned(),
    })
}

#[derive(Template)]
#[template(path = "apps/connected-apps/secrets/delete.html")]
struct ConfirmDeletePage {
    layout: Layout,
    app: AppDetail,
    secret: SecretInfo,
    is_last: bool,
    error: Option<&'static str>,
}

pub(super) async fn find_secret(
    state: &WebState,
    client_id: &str,
    secret_id: i64,
) -> Result<(AppDetail, SecretInfo), AppError> {
    let app = load_app(state, client_id).await?;
    let secret = app
        .secrets
        .iter()
        .find(|s| s.id == secret_id)
        .cloned()
        .ok_or(AppError::NotFound)?;
    Ok((app, secret))
}

pub async fn confirm_delete(
    AccountAdmin(user): AccountAdmin,
    State(state): State<WebState>,
    Path((client_id, secret_id)): Path<(String, i64)>,
) -> Result<Response, AppError> {
    let (app, secret) = find_secret(&state, &client_id, secret_id).await?;
    let page = ConfirmDeletePage {
        layout: user.layout("connected-apps"),
        is_last: app.secrets.len() == 1,
        app,
        secret,
        error: None,
    };
    Ok(render(&page)?.into_response())
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct DeleteSecretForm {
    /// Required when deleting the app's last secret.
    confirm_last: Checkbox,
}

pub async fn delete(
    AccountAdmin(user): AccountAdmin,
    State(state): State<WebState>,
    ClientAddr(addr): ClientAddr,
    Path((client_id, secret_id)): Path<(String, i64)>,
    CsrfForm(form): CsrfForm<DeleteSecretForm>,
) -> Result<Response, AppError> {
    let (app, secret) = find_secret(&state, &client_id, secret_id).await?;
    let is_last = app.secrets.len() == 1;
    if is_last && !form.confirm_last.0 {
        let page = ConfirmDeletePage {
            layout: user.layout("connected-apps"),
            app,
            secret,
            is_last,
            error: Some("Confirm that the app will no longer be able to request tokens"),
        };
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
    }
    apps::delete_secret(&state.core, actor(&user, addr), &app.client_id, secret.id)
        .await
        .map_err(unexpected)?;
    let message = if is_last {
        format!(
            "Deleted the secret “{}”. {} has no secret left and cannot request tokens.",
            secret.description, app.client_name
        )
    } else {
        format!(
            "Deleted the secret “{}”. It can no longer obtain tokens.",
            secret.description
        )
    };
    back_to_app(&user, &app.client_id, message).await
}
