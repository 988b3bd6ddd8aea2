//! Following a single-use link: accept an invitation or reset a password, by choosing a password.

use crate::web::Path;
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;
use tower_sessions::Session;

use super::{CsrfForm, render, session};
use crate::domain::audit::Role;
use crate::domain::{
    AuditEvent, LinkKind, PasswordHasher, PasswordProblem, SecretHash, SecretValue,
    check_new_password, token_hash,
};
use crate::http::ClientAddr;
use crate::store::{AuditEntry, Constraint, StoreError, UserLink};
use crate::web::WebState;
use crate::web::error::AppError;

pub fn router() -> Router<WebState> {
    Router::new()
        .route(
            "/invitations/{token}",
            get(|s, session, t| show(Flow::Invitation, s, session, t))
                .post(|s, session, a, t, f| submit(Flow::Invitation, s, session, a, t, f)),
        )
        .route(
            "/password-reset/{token}",
            get(|s, session, t| show(Flow::PasswordReset, s, session, t))
                .post(|s, session, a, t, f| submit(Flow::PasswordReset, s, session, a, t, f)),
        )
}

/// The pages of each kind of link (`LinkKind`); everything else about following them is the same.
#[derive(Clone, Copy)]
enum Flow {
    Invitation,
    PasswordReset,
}

impl Flow {
    fn kind(self) -> LinkKind {
        match self {
            Self::Invitation => LinkKind::Invitation,
            Self::PasswordReset => LinkKind::PasswordReset,
        }
    }

    fn path(self, token: &str) -> String {
        match self {
            Self::Invitation => format!("/invitations/{token}"),
            Self::PasswordReset => format!("/password-reset/{token}"),
        }
    }

    fn page(
        self,
        link: UserLink,
        token: &str,
        csrf_token: String,
        error: Option<&'static str>,
    ) -> ChoosePasswordPage {
        let (title, intro) = match self {
            Self::Invitation => (
                "Welcome to frontdesk",
                format!(
                    "You were invited as {}. Choose a password to finish.",
                    link.display_name
                ),
            ),
            Self::PasswordReset => (
                "Choose a new password",
                "Choose a new password for your account.".to_owned(),
            ),
        };
        ChoosePasswordPage {
            csrf_token,
            title,
            intro,
            email: link.email,
            action: self.path(token),
            error,
        }
    }
}

#[derive(Template)]
#[template(path = "links/choose_password.html")]
struct ChoosePasswordPage {
    csrf_token: String,
    title: &'static str,
    intro: String,
    email: String,
    action: String,
    error: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "links/invalid.html")]
struct InvalidLinkPage {
    title: &'static str,
}

fn invalid(status: StatusCode, title: &'static str) -> Result<Response, AppError> {
    Ok((status, render(&InvalidLinkPage { title })?).into_response())
}

/// The link, if it is still usable now; otherwise the page that says why not.
async fn usable_link(
    state: &WebState,
    flow: Flow,
    token: &str,
) -> Result<Result<UserLink, Response>, AppError> {
    let now = state.clock.now();
    Ok(
        match state
            .store
            .user_link(flow.kind(), &token_hash(token))
            .await?
        {
            Some(link) if link.used_at.is_none() && link.expires_at > now => Ok(link),
            Some(link) if link.used_at.is_some() => Err(invalid(
                StatusCode::GONE,
                "This link has already been used",
            )?),
            Some(_) => Err(invalid(StatusCode::GONE, "This link has expired")?),
            None => Err(invalid(StatusCode::NOT_FOUND, "This link is not valid")?),
        },
    )
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct PasswordForm {
    password: String,
    confirm: String,
}

async fn show(
    flow: Flow,
    State(state): State<WebState>,
    session: Session,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let link = match usable_link(&state, flow, &token).await? {
        Ok(link) => link,
        Err(page) => return Ok(page),
    };
    let page = flow.page(link, &token, session::csrf_token(&session).await?, None);
    Ok(render(&page)?.into_response())
}

async fn submit(
    flow: Flow,
    State(state): State<WebState>,
    session: Session,
    ClientAddr(addr): ClientAddr,
    Path(token): Path<String>,
    CsrfForm(form): CsrfForm<PasswordForm>,
) -> Result<Response, AppError> {
    let link = match usable_link(&state, flow, &token).await? {
        Ok(link) => link,
        Err(page) => return Ok(page),
    };
    let problem = if form.password != form.confirm {
        Some("The two passwords differ")
    } else {
        check_new_password(&form.password, &link.email)
            .err()
            .map(PasswordProblem::field_message)
    };
    if let Some(error) = problem {
        let page = flow.page(
            link,
            &token,
            session::csrf_token(&session).await?,
            Some(error),
        );
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
    }
    let hash = PasswordHasher
        .hash_async(SecretValue::from_presented(form.password))
        .await?;
    let source = addr.map(|a| a.to_string());
    let user_id = match flow {
        Flow::Invitation => accept(&state, &link, &hash, source).await?,
        Flow::PasswordReset => reset(&state, &link, &hash, source).await?,
    };
    let Some(user_id) = user_id else {
        // Used by a concurrent request a moment ago.
        return invalid(StatusCode::GONE, "This link has already been used");
    };
    // A new session id; any other session of a user whose password was reset ends (fingerprint).
    session::sign_in(&session, user_id, &hash, state.clock.now()).await?;
    let welcome = match flow {
        Flow::Invitation => "Welcome! Your account is ready.",
        Flow::PasswordReset => "Your password was changed.",
    };
    session::set_flash(&session, welcome).await?;
    Ok(Redirect::to("/apps/connected-apps").into_response())
}

async fn accept(
    state: &WebState,
    link: &UserLink,
    hash: &SecretHash,
    source: Option<String>,
) -> Result<Option<i64>, AppError> {
    let accepted = state
        .store
        .accept_invitation(link, hash, state.clock.now(), |user_id| AuditEntry {
            actor_id: Some(user_id),
            actor_email: Some(&link.email),
            source_addr: source,
            client_id: None,
            event: AuditEvent::InvitationAccepted(Role {
                is_admin: link.is_admin,
            }),
        })
        .await;
    match accepted {
        Ok(id) => Ok(id),
        Err(StoreError::Duplicate(Constraint::UserEmail)) => Err(AppError::Rejected {
            status: StatusCode::CONFLICT,
            message: "A user with this email already exists. Sign in instead.".into(),
        }),
        Err(e) => Err(e.into()),
    }
}

async fn reset(
    state: &WebState,
    link: &UserLink,
    hash: &SecretHash,
    source: Option<String>,
) -> Result<Option<i64>, AppError> {
    let entry = AuditEntry {
        actor_id: link.user_id,
        actor_email: Some(&link.email),
        source_addr: source,
        client_id: None,
        event: AuditEvent::PasswordReset,
    };
    let done = state
        .store
        .reset_password(link, hash, state.clock.now(), entry)
        .await?;
    Ok(if done { link.user_id } else { None })
}
