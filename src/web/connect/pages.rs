//! The pages of `/connect/authorize`: the consent screen, and a member's "ask an account admin".

use askama::Template;
use axum::http::header;
use axum::response::{IntoResponse, Response};

use super::request::{self, Checked, Params};
use crate::http::headers::{csp_allowing, csp_origin};
use crate::store::AppDetail;
use crate::web::error::AppError;
use crate::web::{CurrentUser, WebState, render};

/// A requested scope on the consent screen: name, display name, and whether it is new to the person.
type ScopeLine = (String, String, bool);

#[derive(Template)]
#[template(path = "connect/consent.html")]
struct ConsentPage<'a> {
    client_name: &'a str,
    client_id: &'a str,
    logo_url: Option<&'a str>,
    account_code: &'a str,
    user_name: &'a str,
    user_email: &'a str,
    groups: Vec<(String, Vec<ScopeLine>)>,
    csrf_token: &'a str,
    request: Vec<(&'static str, &'a str)>,
}

pub(super) fn consent_page(
    state: &WebState,
    user: &CurrentUser,
    app: &AppDetail,
    checked: &Checked,
    params: &Params,
    consented: &[String],
) -> Result<Response, AppError> {
    let mut groups: Vec<(String, Vec<ScopeLine>)> = Vec::new();
    for scope in &checked.scopes {
        let (group, display) = match request::oidc_display_name(scope) {
            Some(display) => ("OpenID Connect".to_owned(), display.to_owned()),
            None => state
                .catalog
                .groups()
                .iter()
                .find_map(|g| {
                    let info = g.scopes.iter().find(|s| &s.name == scope)?;
                    Some((g.name.clone(), info.display_name.clone()))
                })
                .unwrap_or_else(|| ("Other".to_owned(), scope.clone())),
        };
        let line = (scope.clone(), display, !consented.contains(scope));
        match groups.iter_mut().find(|(name, _)| *name == group) {
            Some((_, lines)) => lines.push(line),
            None => groups.push((group, vec![line])),
        }
    }
    let logo_url = app.store.as_ref().and_then(|s| s.logo_url.as_deref());
    let page = ConsentPage {
        client_name: &app.client_name,
        client_id: &app.client_id,
        logo_url,
        account_code: state.config.account_code.as_str(),
        user_name: &user.user.display_name,
        user_email: &user.user.email,
        groups,
        csrf_token: &user.csrf_token,
        request: params.present(),
    };
    let images: Vec<String> = logo_url.and_then(csp_origin).into_iter().collect();
    Ok(with_policy(render(&page)?, checked, &images))
}

#[derive(Template)]
#[template(path = "connect/not_allowed.html")]
struct NotAllowedPage<'a> {
    client_name: &'a str,
    client_id: &'a str,
    account_code: &'a str,
    user_email: &'a str,
    /// Enabled account admins: name and email.
    admins: Vec<(String, String)>,
    csrf_token: &'a str,
    request: Vec<(&'static str, &'a str)>,
}

/// A member asked to connect an app: why they cannot, and whom to ask.
pub(super) async fn not_allowed_page(
    state: &WebState,
    user: &CurrentUser,
    app: &AppDetail,
    checked: &Checked,
    params: &Params,
) -> Result<Response, AppError> {
    let admins = state
        .store
        .list_users()
        .await?
        .into_iter()
        .filter(|u| u.is_admin && u.enabled)
        .map(|u| (u.display_name, u.email))
        .collect();
    let page = NotAllowedPage {
        client_name: &app.client_name,
        client_id: &app.client_id,
        account_code: state.config.account_code.as_str(),
        user_email: &user.user.email,
        admins,
        csrf_token: &user.csrf_token,
        request: params.present(),
    };
    Ok(with_policy(render(&page)?, checked, &[]))
}

/// A page whose form ends in a redirect to the app: its policy allows that one origin, and nothing
/// keeps a copy of the page (it holds the session's CSRF token).
fn with_policy(
    page: axum::response::Html<String>,
    checked: &Checked,
    images: &[String],
) -> Response {
    let targets: Vec<String> = csp_origin(&checked.redirect_uri).into_iter().collect();
    (
        [(
            header::CONTENT_SECURITY_POLICY,
            csp_allowing(&targets, images),
        )],
        crate::http::NO_STORE,
        page,
    )
        .into_response()
}
