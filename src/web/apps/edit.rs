//! Editing an app: client name, personal-data mode, scopes, access-token lifetime and allowed
//! addresses, and a store app's logo, redirect URIs and PKCE flag (client code, client ID and kind never
//! change). The form checks every field to show each message beside it, then saves through
//! `service::apps::apply_edit`, which writes the change with its audit row.

use crate::web::Path;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::detail::{back_to_app, load_app};
use super::form::{
    FieldErrors, ScopeBox, ScopeGroup, StoreFields, Values, oidc_boxes, scope_groups,
    validate_details,
};
use super::register::{actor, unexpected};
use crate::domain::{AllowedAddresses, AppKind, PiiMode};
use crate::http::ClientAddr;
use crate::service::apps::{self as service, rules};
use crate::web::WebState;
use crate::web::error::AppError;
use crate::web::{AccountAdmin, Checkbox, CsrfForm, Layout, render};

#[derive(Template)]
#[template(path = "apps/connected-apps/edit.html")]
struct EditPage {
    layout: Layout,
    /// The server's access-token lifetime, the most an app's own may be.
    max_lifetime: i64,
    client_id: String,
    client_code: String,
    client_name: String,
    values: Values,
    errors: FieldErrors,
    groups: Vec<ScopeGroup>,
    /// The store-app fields and OpenID Connect scopes are shown for a store app only.
    is_store: bool,
    oidc: Vec<ScopeBox>,
}

fn page(
    layout: Layout,
    state: &WebState,
    app: &crate::store::AppDetail,
    values: Values,
    errors: FieldErrors,
) -> EditPage {
    EditPage {
        max_lifetime: service::max_token_lifetime(&state.core),
        client_id: app.client_id.clone(),
        client_code: app.client_code.clone(),
        client_name: app.client_name.clone(),
        groups: scope_groups(
            &state.catalog,
            &values.scopes,
            layout.is_admin && app.store.is_none(),
        ),
        is_store: app.store.is_some(),
        oidc: oidc_boxes(&values.scopes),
        values,
        errors,
        layout,
    }
}

pub async fn show(
    AccountAdmin(user): AccountAdmin,
    State(state): State<WebState>,
    Path(client_id): Path<String>,
) -> Result<Response, AppError> {
    let app = load_app(&state, &client_id).await?;
    let values = Values {
        client_name: app.client_name.clone(),
        pii_retrieve: app.pii_mode == PiiMode::Retrieve,
        scopes: app.scopes.iter().cloned().collect(),
        token_lifetime: app
            .token_lifetime_seconds
            .map(|s| s.to_string())
            .unwrap_or_default(),
        allowed_addresses: AllowedAddresses::from_stored(&app.allowed_addresses)
            .entries()
            .join("\n"),
        ..Values::default()
    };
    let values = match &app.store {
        Some(store) => values.with_store(store),
        None => values,
    };
    let page = page(
        user.layout("connected-apps"),
        &state,
        &app,
        values,
        FieldErrors::default(),
    );
    Ok(render(&page)?.into_response())
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct EditForm {
    client_name: String,
    pii_mode: String,
    scopes: Vec<String>,
    // A store app's settings, read for a store app only (a custom app has none to change).
    logo_url: String,
    redirect_uris: String,
    post_logout_redirect_uris: String,
    require_pkce: Checkbox,
    token_lifetime_seconds: String,
    allowed_addresses: String,
}

pub async fn submit(
    AccountAdmin(user): AccountAdmin,
    State(state): State<WebState>,
    ClientAddr(addr): ClientAddr,
    Path(client_id): Path<String>,
    CsrfForm(form): CsrfForm<EditForm>,
) -> Result<Response, AppError> {
    let app = load_app(&state, &client_id).await?;
    let store_fields = StoreFields {
        logo_url: form.logo_url,
        redirect_uris: form.redirect_uris,
        post_logout_redirect_uris: form.post_logout_redirect_uris,
        require_pkce: form.require_pkce.0,
    };
    let mut errors = FieldErrors::default();
    let details = validate_details(
        app.kind,
        &form.client_name,
        &form.pii_mode,
        &form.scopes,
        &state.catalog,
        &mut errors,
    );
    let store = match app.kind {
        AppKind::Store => store_fields.validate(&mut errors),
        AppKind::Custom => None,
    };
    let max = service::max_token_lifetime(&state.core);
    let lifetime = rules::token_lifetime_text(&form.token_lifetime_seconds, max)
        .map_err(|e| errors.token_lifetime_seconds = Some(e));
    let addresses = rules::allowed_addresses([form.allowed_addresses.as_str()])
        .map_err(|e| errors.allowed_addresses = Some(e));
    let (
        Some((client_name, pii_mode, scopes)),
        true,
        Ok(token_lifetime_seconds),
        Ok(allowed_addresses),
    ) = (
        details,
        store.is_some() == (app.kind == AppKind::Store),
        lifetime,
        addresses,
    )
    else {
        let mut values = Values {
            client_name: form.client_name,
            pii_retrieve: form.pii_mode == PiiMode::Retrieve.as_str(),
            scopes: form.scopes.into_iter().collect(),
            token_lifetime: form.token_lifetime_seconds,
            allowed_addresses: form.allowed_addresses,
            ..Values::default()
        };
        store_fields.keep(&mut values);
        let page = page(user.layout("connected-apps"), &state, &app, values, errors);
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
    };

    let change = service::AppChange {
        client_name: Some(client_name.clone()),
        pii_mode: Some(pii_mode),
        scopes: Some(scopes),
        token_lifetime_seconds: Some(token_lifetime_seconds),
        allowed_addresses: Some(allowed_addresses.entries()),
        store,
    };
    let changed = service::apply_edit(&state.core, actor(&user, addr), &app.client_id, change)
        .await
        .map_err(unexpected)?;
    if !changed {
        return back_to_app(&user, &app.client_id, "Nothing changed.".into()).await;
    }
    back_to_app(
        &user,
        &app.client_id,
        format!("Saved the changes to {client_name}."),
    )
    .await
}
