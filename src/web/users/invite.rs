//! The single-use links an admin hands out: invitations, and password-reset links for existing people.

use crate::web::Path;
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::{LinkPage, link_response, load_user, parse_name, people_event};
use crate::domain::audit::{Invitation, Person};
use crate::domain::{AuditEvent, LinkKind, parse_email, random_token, token_hash};
use crate::http::ClientAddr;
use crate::service::people::LINK_LIFETIME;
use crate::store::NewUserLink;
use crate::web::error::AppError;
use crate::web::{AccountAdmin, Checkbox, CsrfForm, Layout, NoFields, WebState, render};

pub(super) fn router() -> Router<WebState> {
    Router::new()
        .route("/users/invite", get(invite_form).post(invite))
        .route("/users/{id}/reset-link", post(reset_link))
}

#[derive(Template)]
#[template(path = "users/invite.html")]
struct InvitePage {
    layout: Layout,
    email: String,
    name: String,
    is_admin: bool,
    email_error: Option<&'static str>,
    name_error: Option<&'static str>,
}

async fn invite_form(AccountAdmin(me): AccountAdmin) -> Result<Html<String>, AppError> {
    render(&InvitePage {
        layout: me.layout("users"),
        email: String::new(),
        name: String::new(),
        is_admin: false,
        email_error: None,
        name_error: None,
    })
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct InviteForm {
    email: String,
    name: String,
    is_admin: Checkbox,
}

async fn invite(
    AccountAdmin(me): AccountAdmin,
    State(state): State<WebState>,
    ClientAddr(addr): ClientAddr,
    CsrfForm(form): CsrfForm<InviteForm>,
) -> Result<Response, AppError> {
    let Checkbox(is_admin) = form.is_admin;
    let email =
        parse_email(&form.email).map_err(|_| "Enter an email address such as name@example.com");
    let name = parse_name(&form.name);
    let taken = match &email {
        Ok(e) => state.store.user_by_email(e).await?.is_some(),
        Err(_) => false,
    };
    let (Ok(email), Ok(name), false) = (&email, &name, taken) else {
        let page = InvitePage {
            layout: me.layout("users"),
            email_error: email
                .err()
                .or(taken.then_some("A user with this email already exists")),
            name_error: name.err(),
            email: form.email,
            name: form.name,
            is_admin,
        };
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
    };
    let token = random_token();
    let now = state.clock.now();
    let link = NewUserLink {
        kind: LinkKind::Invitation,
        token_hash: &token_hash(&token),
        email,
        display_name: name,
        is_admin,
        user_id: None,
        created_by: Some(me.user.id),
        created_at: now,
        expires_at: now + LINK_LIFETIME,
    };
    let invitation = Invitation {
        email: email.clone(),
        is_admin,
    };
    let entry = people_event(&me, addr, AuditEvent::UserInvited(invitation));
    state.store.create_user_link(link, entry).await?;
    link_response(&LinkPage {
        layout: me.layout("users"),
        heading: format!("Invitation for {email}"),
        explanation: format!(
            "Send this link to {name}. It works once, for 72 hours: the person chooses a password and is signed in{}. \
             frontdesk sends no e-mail itself, and this link is not shown again.",
            if is_admin { " as an account admin" } else { "" }
        ),
        link: format!("{}/invitations/{token}", state.config.public_url),
    })
}

async fn reset_link(
    AccountAdmin(me): AccountAdmin,
    State(state): State<WebState>,
    ClientAddr(addr): ClientAddr,
    Path(id): Path<i64>,
    _: CsrfForm<NoFields>,
) -> Result<Response, AppError> {
    let user = load_user(&state, id).await?;
    let person = Person {
        email: user.email.clone(),
    };
    let entry = people_event(&me, addr, AuditEvent::PasswordResetIssued(person));
    let link = crate::service::people::issue_reset_link(
        &state.store,
        &state.config.public_url,
        state.clock.now(),
        &user,
        entry,
    )
    .await?;
    link_response(&LinkPage {
        layout: me.layout("users"),
        heading: format!("Password reset link for {}", user.email),
        explanation: "Send this link to the person. It works once, for 72 hours: they choose a new password \
                      and are signed in. Their current password keeps working until then. This link is not shown again."
            .to_owned(),
        link,
    })
}
