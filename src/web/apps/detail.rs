//! An app's page (facts, scopes, secrets, create link, activity) and deleting the app.

use crate::web::Path;
use askama::Template;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};

use super::connections::{ConnectionRow, find_connection};
use super::form::token_curl;
use super::register::{actor, unexpected};
use super::{ExpiryView, Moment, app_path};
use crate::http::ClientAddr;
use crate::service::apps;
use crate::store::{AppDetail, AuditFilter, MAX_SECRETS_PER_APP};
use crate::web::WebState;
use crate::web::activity::{EventView, describe};
use crate::web::error::AppError;
use crate::web::{AccountAdmin, CsrfForm, CurrentUser, Layout, NoFields, render, session};

/// The app with this client ID in our account, or the 404 page.
pub async fn load_app(state: &WebState, client_id: &str) -> Result<AppDetail, AppError> {
    state
        .store
        .app_detail(&state.config.account_code, client_id)
        .await?
        .ok_or(AppError::NotFound)
}

pub struct GrantedGroup {
    pub name: String,
    pub scopes: Vec<(String, String)>,
}

pub struct SecretRow {
    pub id: i64,
    pub description: String,
    pub created: Moment,
    pub created_by: String,
    pub last_used: Option<Moment>,
    pub last_used_from: Option<String>,
    pub expiry: Option<ExpiryView>,
}

#[derive(Template)]
#[template(path = "apps/connected-apps/show.html")]
struct AppPage {
    layout: Layout,
    app: AppDetail,
    pii_label: &'static str,
    created: Moment,
    groups: Vec<GrantedGroup>,
    secrets: Vec<SecretRow>,
    can_add_secret: bool,
    max_secrets: i64,
    create_link: String,
    token_curl: String,
    events: Vec<EventView>,
    /// A store app's connection to the account, if anyone authorized it.
    connection: Option<ConnectionRow>,
    suspended: Option<Moment>,
    tokens_revoked: Option<Moment>,
    server_lifetime: i64,
    allowed_addresses: Vec<String>,
}

/// The app's scopes under their APIs, in catalog order, with display names (a store app's OpenID
/// Connect scopes last, as their own group).
pub fn granted_groups(state: &WebState, scopes: &[String]) -> Vec<GrantedGroup> {
    let oidc: Vec<(String, String)> = crate::domain::OIDC_SCOPES
        .iter()
        .filter(|(name, _)| scopes.iter().any(|s| s == name))
        .map(|(name, display)| ((*name).to_owned(), (*display).to_owned()))
        .collect();
    let oidc = (!oidc.is_empty()).then(|| GrantedGroup {
        name: "OpenID Connect".into(),
        scopes: oidc,
    });
    state
        .catalog
        .groups()
        .iter()
        .filter_map(|group| {
            let scopes: Vec<(String, String)> = group
                .scopes
                .iter()
                .filter(|s| scopes.contains(&s.name))
                .map(|s| (s.name.clone(), s.display_name.clone()))
                .collect();
            (!scopes.is_empty()).then(|| GrantedGroup {
                name: group.name.clone(),
                scopes,
            })
        })
        .chain(oidc)
        .collect()
}

/// apaleo's create link: the New custom app form, prefilled with this app's settings.
fn create_link(state: &WebState, app: &AppDetail) -> String {
    let mut ordered = app.scopes.clone();
    ordered.sort_by_key(|s| state.catalog.position(s));
    let scopes = serde_json::to_string(&ordered).unwrap_or_else(|_| "[]".into());
    let description = app
        .secrets
        .first()
        .map(|s| s.description.as_str())
        .unwrap_or("");
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("clientCode", &app.client_code)
        .append_pair("clientName", &app.client_name)
        .append_pair("secret", description)
        .append_pair("clientScopes", &scopes)
        .append_pair("piiMode", app.pii_mode.as_str())
        .finish();
    format!(
        "{}/apps/connected-apps/create?{query}",
        state.config.public_url
    )
}

pub async fn show(
    user: CurrentUser,
    State(state): State<WebState>,
    Path(client_id): Path<String>,
) -> Result<Html<String>, AppError> {
    let app = load_app(&state, &client_id).await?;
    let filter = AuditFilter {
        client_id: Some(app.client_id.clone()),
        ..AuditFilter::default()
    };
    let events = state
        .store
        .audit_records(&filter, 20, 0)
        .await?
        .into_iter()
        .map(describe)
        .collect();
    let now = state.clock.now();
    let secrets = app
        .secrets
        .iter()
        .map(|s| SecretRow {
            id: s.id,
            description: s.description.clone(),
            created: Moment::of(s.created_at),
            created_by: s
                .created_by
                .clone()
                .unwrap_or_else(|| "(deleted user)".into()),
            last_used: s.last_used_at.map(Moment::of),
            last_used_from: s.last_used_addr.clone(),
            expiry: s.expires_at.map(|at| ExpiryView::of(at, now)),
        })
        .collect();
    let connection = match app.store {
        Some(_) => find_connection(&state, &app.client_id).await?,
        None => None,
    };
    // A store app is found under My store apps, which only admins have; members reach it from
    // Connected apps.
    let section = if app.store.is_some() && user.user.is_admin {
        "store-apps"
    } else {
        "connected-apps"
    };
    render(&AppPage {
        layout: user.layout(section),
        connection,
        suspended: app.suspended_at.map(Moment::of),
        tokens_revoked: app.tokens_not_before.map(Moment::of),
        server_lifetime: apps::max_token_lifetime(&state.core),
        allowed_addresses: crate::domain::AllowedAddresses::from_stored(&app.allowed_addresses)
            .entries(),
        pii_label: app.pii_mode.label(),
        created: Moment::of(app.created_at),
        groups: granted_groups(&state, &app.scopes),
        secrets,
        can_add_secret: i64::try_from(app.secrets.len()).unwrap_or(i64::MAX) < MAX_SECRETS_PER_APP,
        max_secrets: MAX_SECRETS_PER_APP,
        create_link: create_link(&state, &app),
        token_curl: token_curl(&state.config.public_url, &app.client_id, "<client secret>"),
        events,
        app,
    })
}

#[derive(Template)]
#[template(path = "apps/connected-apps/delete.html")]
struct ConfirmDeletePage {
    layout: Layout,
    app: AppDetail,
}

pub async fn confirm_delete(
    AccountAdmin(user): AccountAdmin,
    State(state): State<WebState>,
    Path(client_id): Path<String>,
) -> Result<Html<String>, AppError> {
    let app = load_app(&state, &client_id).await?;
    render(&ConfirmDeletePage {
        layout: user.layout("connected-apps"),
        app,
    })
}

pub async fn delete(
    AccountAdmin(user): AccountAdmin,
    State(state): State<WebState>,
    ClientAddr(addr): ClientAddr,
    Path(client_id): Path<String>,
    _: CsrfForm<NoFields>,
) -> Result<Response, AppError> {
    let app = load_app(&state, &client_id).await?;
    apps::delete_app(&state.core, actor(&user, addr), &app.client_id)
        .await
        .map_err(unexpected)?;
    session::set_flash(
        &user.session,
        format!(
            "Deleted {} ({}). Its tokens no longer work.",
            app.client_name, app.client_id
        ),
    )
    .await?;
    Ok(Redirect::to("/apps/connected-apps").into_response())
}

/// After a change: back to the app's page with a confirmation.
pub async fn back_to_app(
    user: &CurrentUser,
    client_id: &str,
    message: String,
) -> Result<Response, AppError> {
    session::set_flash(&user.session, message).await?;
    Ok(Redirect::to(&app_path(client_id)).into_response())
}
