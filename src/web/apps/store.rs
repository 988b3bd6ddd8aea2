//! Apps > My store apps: the account's store (authorization-code) apps and the New store app form.
//! A store app's own page, edits, secrets and deletion are the Connected apps pages, shared.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;

use super::Moment;
use super::create::{CreateForm, TAKEN, validate_common};
use super::form::{
    FieldErrors, ScopeBox, ScopeGroup, StoreFields, Values, oidc_boxes, scope_groups,
};
use super::register::register;
use crate::domain::{AppKind, ClientCode, PiiMode};
use crate::http::ClientAddr;
use crate::store::{AppQuery, AppSort};
use crate::web::WebState;
use crate::web::error::AppError;
use crate::web::{AccountAdmin, Checkbox, CsrfForm, Layout, render};

/// How many store apps the page lists (newest first); an account registers a handful.
const LISTED: i64 = 200;

pub struct StoreAppRow {
    pub client_name: String,
    pub client_id: String,
    pub created: Moment,
    pub suspended: bool,
}

#[derive(Template)]
#[template(path = "apps/store-apps/list.html")]
struct ListPage {
    layout: Layout,
    account_code: String,
    apps: Vec<StoreAppRow>,
}

pub async fn list(
    AccountAdmin(user): AccountAdmin,
    State(state): State<WebState>,
) -> Result<Html<String>, AppError> {
    let query = AppQuery {
        account: &state.config.account_code,
        kind: AppKind::Store,
        search: None,
        sort: AppSort::NewestFirst,
        filter: crate::store::AppFilter::All,
        limit: LISTED,
        offset: 0,
    };
    let apps = state
        .store
        .list_apps(&query)
        .await?
        .into_iter()
        .map(|a| StoreAppRow {
            created: Moment::of(a.created_at),
            client_name: a.client_name,
            client_id: a.client_id,
            suspended: a.suspended,
        })
        .collect();
    render(&ListPage {
        layout: user.layout("store-apps"),
        account_code: state.config.account_code.to_string(),
        apps,
    })
}

#[derive(Template)]
#[template(path = "apps/store-apps/new.html")]
struct NewPage {
    layout: Layout,
    account_code: String,
    values: Values,
    errors: FieldErrors,
    groups: Vec<ScopeGroup>,
    oidc: Vec<ScopeBox>,
    is_store: bool,
}

fn new_page(layout: Layout, state: &WebState, values: Values, errors: FieldErrors) -> NewPage {
    NewPage {
        layout,
        account_code: state.config.account_code.to_string(),
        groups: scope_groups(&state.catalog, &values.scopes, false),
        oidc: oidc_boxes(&values.scopes),
        is_store: true,
        values,
        errors,
    }
}

pub async fn show(
    AccountAdmin(user): AccountAdmin,
    State(state): State<WebState>,
) -> Result<Response, AppError> {
    let page = new_page(
        user.layout("store-apps"),
        &state,
        Values::default(),
        FieldErrors::default(),
    );
    Ok(render(&page)?.into_response())
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct StoreAppForm {
    client_code: String,
    client_name: String,
    logo_url: String,
    redirect_uris: String,
    post_logout_redirect_uris: String,
    pii_mode: String,
    secret_description: String,
    scopes: Vec<String>,
    require_pkce: Checkbox,
}

pub async fn submit(
    AccountAdmin(user): AccountAdmin,
    State(state): State<WebState>,
    ClientAddr(source_addr): ClientAddr,
    CsrfForm(form): CsrfForm<StoreAppForm>,
) -> Result<Response, AppError> {
    let common = CreateForm {
        client_code: form.client_code,
        client_name: form.client_name,
        pii_mode: form.pii_mode,
        secret_description: form.secret_description,
        scopes: form.scopes,
        ..CreateForm::default()
    };
    let store_fields = StoreFields {
        logo_url: form.logo_url,
        redirect_uris: form.redirect_uris,
        post_logout_redirect_uris: form.post_logout_redirect_uris,
        require_pkce: form.require_pkce.0,
    };
    let rerender = |errors: FieldErrors, common: CreateForm, store_fields: StoreFields| {
        let mut values = Values {
            client_code: common.client_code,
            client_name: common.client_name,
            pii_retrieve: common.pii_mode == PiiMode::Retrieve.as_str(),
            secret_description: common.secret_description,
            scopes: common.scopes.into_iter().collect(),
            ..Values::default()
        };
        store_fields.keep(&mut values);
        let page = new_page(user.layout("store-apps"), &state, values, errors);
        Ok::<_, AppError>((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
    };

    let account = &state.config.account_code;
    let mut errors = FieldErrors::default();
    let settings = store_fields.validate(&mut errors);
    let valid = validate_common(
        AppKind::Store,
        &common,
        &state.catalog,
        errors,
        state.clock.now(),
    );
    // A client code is unique across custom and store apps: report a taken one with the other problems.
    let code = ClientCode::parse(&common.client_code).ok();
    let taken = match &code {
        Some(code) => state.store.client_code_taken(account, code).await?,
        None => false,
    };
    let (valid, settings) = match (valid, settings) {
        (Ok(valid), Some(settings)) if !taken => (valid, settings),
        (Ok(_), _) => {
            let errors = FieldErrors {
                client_code: taken.then_some(TAKEN),
                ..FieldErrors::default()
            };
            return rerender(errors, common, store_fields);
        }
        (Err(errors), _) => {
            let mut errors = *errors;
            if taken {
                errors.client_code = Some(TAKEN);
            }
            return rerender(errors, common, store_fields);
        }
    };
    match register(
        &state,
        &user,
        source_addr,
        valid,
        Some(settings),
        "store-apps",
    )
    .await?
    {
        Some(response) => Ok(response),
        None => {
            let errors = FieldErrors {
                client_code: Some(TAKEN),
                ..FieldErrors::default()
            };
            rerender(errors, common, store_fields)
        }
    }
}
