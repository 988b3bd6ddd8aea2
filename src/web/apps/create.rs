//! New custom app: the form (prefilled from apaleo's create-link parameters) and its validation; the
//! app is stored by `register`.

use std::collections::BTreeSet;

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::form::{
    ExpiryField, FieldErrors, ScopeGroup, Values, scope_groups, validate_description,
    validate_details, validate_expiry,
};
use super::register::register;
use crate::domain::{AppKind, ClientCode, PiiMode, ScopeCatalog};
use crate::http::ClientAddr;
pub use crate::service::apps::CheckedApp as Valid;
pub use crate::service::apps::rules::TAKEN;
use crate::web::WebState;
use crate::web::error::AppError;
use crate::web::{AccountAdmin, CsrfForm, Layout, Query, render};

#[derive(Template)]
#[template(path = "apps/connected-apps/create.html")]
struct CreatePage {
    layout: Layout,
    account_code: String,
    values: Values,
    errors: FieldErrors,
    groups: Vec<ScopeGroup>,
    /// Something about a create link that could not be used as given.
    notice: Option<String>,
    /// The shared field templates show store-app fields only on the store-app forms.
    is_store: bool,
    oidc: Vec<super::form::ScopeBox>,
    expiry: ExpiryField,
}

impl CreatePage {
    fn new(layout: Layout, state: &WebState, values: Values, errors: FieldErrors) -> Self {
        Self {
            account_code: state.config.account_code.to_string(),
            groups: scope_groups(&state.catalog, &values.scopes, layout.is_admin),
            expiry: ExpiryField::new(&values.expires, &values.expires_on, errors.expires),
            layout,
            values,
            errors,
            notice: None,
            is_store: false,
            oidc: Vec::new(),
        }
    }
}

/// apaleo's create-link parameters: `?clientCode=&clientName=&secret=&clientScopes=[...]&piiMode=`.
#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub struct CreateLink {
    client_code: String,
    client_name: String,
    /// The secret's *description*; a secret value never travels in a link.
    secret: String,
    /// A JSON array of scope names.
    client_scopes: String,
    pii_mode: String,
}

/// The form a create link opens: its fields filled in, scopes the catalog knows preselected, and a
/// notice about anything in the link that could not be used as given.
pub fn prefill(link: CreateLink, catalog: &ScopeCatalog) -> (Values, Option<String>) {
    let mut notices = Vec::new();
    let mut scopes = BTreeSet::new();
    if !link.client_scopes.trim().is_empty() {
        match serde_json::from_str::<Vec<String>>(&link.client_scopes) {
            Ok(list) => {
                let (known, unknown): (Vec<_>, Vec<_>) =
                    list.into_iter().partition(|s| catalog.contains(s));
                scopes.extend(known);
                if !unknown.is_empty() {
                    notices.push(format!(
                        "The link asked for scopes that frontdesk does not know, left out: {}.",
                        unknown.join(", ")
                    ));
                }
            }
            Err(_) => notices.push(
                "The link's clientScopes is not a JSON list of scope names, so no scope was preselected."
                    .to_owned(),
            ),
        }
    }
    let values = Values {
        client_code: link.client_code,
        client_name: link.client_name,
        pii_retrieve: PiiMode::parse(&link.pii_mode) == Ok(PiiMode::Retrieve),
        secret_description: link.secret,
        scopes,
        ..Values::default()
    };
    (values, (!notices.is_empty()).then(|| notices.join(" ")))
}

pub async fn show(
    AccountAdmin(user): AccountAdmin,
    State(state): State<WebState>,
    Query(link): Query<CreateLink>,
) -> Result<Response, AppError> {
    let (values, notice) = prefill(link, &state.catalog);
    let mut page = CreatePage::new(
        user.layout("connected-apps"),
        &state,
        values,
        FieldErrors::default(),
    );
    page.notice = notice;
    Ok(render(&page)?.into_response())
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct CreateForm {
    pub client_code: String,
    pub client_name: String,
    pub pii_mode: String,
    pub secret_description: String,
    /// The first secret's expiry (see `form::validate_expiry`); absent: never.
    pub expires: String,
    pub expires_on: String,
    pub scopes: Vec<String>,
}

fn validate(
    form: &CreateForm,
    catalog: &ScopeCatalog,
    now: time::OffsetDateTime,
) -> Result<Valid, Box<FieldErrors>> {
    validate_common(AppKind::Custom, form, catalog, FieldErrors::default(), now)
}

/// The fields both kinds' New forms have; `errors` may already hold the store fields' problems.
pub fn validate_common(
    kind: AppKind,
    form: &CreateForm,
    catalog: &ScopeCatalog,
    mut errors: FieldErrors,
    now: time::OffsetDateTime,
) -> Result<Valid, Box<FieldErrors>> {
    let client_code =
        ClientCode::parse(&form.client_code).map_err(|e| errors.client_code = Some(e));
    let details = validate_details(
        kind,
        &form.client_name,
        &form.pii_mode,
        &form.scopes,
        catalog,
        &mut errors,
    );
    let secret_description = validate_description(&form.secret_description, &mut errors);
    let expires =
        validate_expiry(&form.expires, &form.expires_on, now).map_err(|e| errors.expires = Some(e));
    match (client_code, details, secret_description, expires) {
        (
            Ok(client_code),
            Some((client_name, pii_mode, scopes)),
            Some(secret_description),
            Ok(secret_expires),
        ) if !errors.any() => Ok(Valid {
            client_code,
            client_name,
            pii_mode,
            secret_description,
            scopes,
            secret_expires,
        }),
        _ => Err(Box::new(errors)),
    }
}

pub async fn submit(
    AccountAdmin(user): AccountAdmin,
    State(state): State<WebState>,
    ClientAddr(source_addr): ClientAddr,
    CsrfForm(form): CsrfForm<CreateForm>,
) -> Result<Response, AppError> {
    let rerender = |errors: FieldErrors, form: CreateForm| -> Result<Response, AppError> {
        let values = Values {
            client_code: form.client_code,
            client_name: form.client_name,
            pii_retrieve: form.pii_mode == PiiMode::Retrieve.as_str(),
            secret_description: form.secret_description,
            expires: form.expires,
            expires_on: form.expires_on,
            scopes: form.scopes.into_iter().collect(),
            ..Values::default()
        };
        let page = CreatePage::new(user.layout("connected-apps"), &state, values, errors);
        Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
    };

    let account = &state.config.account_code;
    let valid = match validate(&form, &state.catalog, state.clock.now()) {
        Ok(valid) => valid,
        Err(errors) => {
            let mut errors = *errors;
            // Report a taken code together with the other problems, not one round-trip later.
            if let Ok(code) = ClientCode::parse(&form.client_code)
                && state.store.client_code_taken(account, &code).await?
            {
                errors.client_code = Some(TAKEN);
            }
            return rerender(errors, form);
        }
    };
    if state
        .store
        .client_code_taken(account, &valid.client_code)
        .await?
    {
        let errors = FieldErrors {
            client_code: Some(TAKEN),
            ..FieldErrors::default()
        };
        return rerender(errors, form);
    }

    let registered = register(&state, &user, source_addr, valid, None, "connected-apps").await?;
    match registered {
        Some(response) => Ok(response),
        None => {
            let errors = FieldErrors {
                client_code: Some(TAKEN),
                ..FieldErrors::default()
            };
            rerender(errors, form)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> CreateForm {
        CreateForm {
            client_code: "my_app".into(),
            client_name: "  My app ".into(),
            pii_mode: "DontRetrieve".into(),
            secret_description: "Production".into(),
            scopes: vec!["setup.read".into()],
            ..CreateForm::default()
        }
    }

    fn now() -> time::OffsetDateTime {
        time::macros::datetime!(2027-03-31 12:00 UTC)
    }

    #[test]
    fn a_good_form_becomes_a_valid_app() {
        let catalog = ScopeCatalog::builtin().unwrap();
        let valid = validate(&form(), &catalog, now()).ok().unwrap();
        assert_eq!(valid.client_code.as_str(), "MY_APP");
        assert_eq!(valid.client_name, "My app");
        assert_eq!(valid.scopes, ["setup.read"]);
    }

    #[test]
    fn every_field_reports_its_own_problem() {
        let catalog = ScopeCatalog::builtin().unwrap();
        let bad = CreateForm {
            client_code: "no-dash".into(),
            client_name: "x".repeat(101),
            pii_mode: "Sometimes".into(),
            secret_description: " ".into(),
            expires: "date".into(),
            expires_on: "2027-03-30".into(),
            scopes: vec![],
        };
        let errors = validate(&bad, &catalog, now()).err().unwrap();
        assert_eq!(errors.summary().len(), 6);
        assert_eq!(errors.expires, Some(crate::domain::EXPIRY_PAST));
        assert_eq!(errors.client_name, Some("Use at most 100 characters"));
        assert_eq!(
            errors.secret_description,
            Some("Enter a secret description")
        );
    }

    fn link(query: &str) -> CreateLink {
        serde_html_form::from_str(query).unwrap()
    }

    #[test]
    fn a_create_link_prefills_the_form_with_the_scopes_the_catalog_knows() {
        let catalog = ScopeCatalog::builtin().unwrap();
        let (values, notice) = prefill(
            link(
                "clientCode=my_app&clientName=My+app&secret=Prod&piiMode=Retrieve\
                  &clientScopes=%5B%22setup.read%22%2C%22nope%22%5D",
            ),
            &catalog,
        );
        assert_eq!(values.client_code, "my_app");
        assert_eq!(values.client_name, "My app");
        assert_eq!(values.secret_description, "Prod");
        assert!(values.pii_retrieve);
        assert_eq!(
            values.scopes.into_iter().collect::<Vec<_>>(),
            ["setup.read"]
        );
        assert_eq!(
            notice.as_deref(),
            Some("The link asked for scopes that frontdesk does not know, left out: nope.")
        );
    }

    #[test]
    fn a_create_link_with_scopes_that_are_not_a_json_list_preselects_none() {
        let catalog = ScopeCatalog::builtin().unwrap();
        let (values, notice) = prefill(link("clientScopes=setup.read"), &catalog);
        assert!(values.scopes.is_empty());
        assert!(notice.unwrap().contains("not a JSON list"));
        let (values, notice) = prefill(link(""), &catalog);
        assert!(values.scopes.is_empty() && !values.pii_retrieve && notice.is_none());
    }

    #[test]
    fn control_characters_are_refused_in_text_fields() {
        let catalog = ScopeCatalog::builtin().unwrap();
        let bad = CreateForm {
            client_name: "My\u{0}app".into(),
            ..form()
        };
        assert!(
            validate(&bad, &catalog, now())
                .err()
                .unwrap()
                .client_name
                .is_some()
        );
    }
}
