//! Our own extractors: who is asking (`CurrentUser`, `AccountAdmin`), and
//! forms whose rejections become friendly error pages instead of axum's plain text.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::IntoResponse;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use tower_sessions::Session;

use super::session;
use crate::store::User;
use crate::web::WebState;
use crate::web::error::AppError;

/// A signed-in, enabled user. Anonymous requests are sent to the sign-in page.
pub struct CurrentUser {
    pub user: User,
    pub session: Session,
    pub csrf_token: String,
    /// A confirmation left by the previous request, shown on this page.
    pub flash: Option<String>,
}

async fn session_of(parts: &mut Parts, state: &WebState) -> Result<Session, AppError> {
    Session::from_request_parts(parts, state)
        .await
        .map_err(|(_, msg)| AppError::Internal(anyhow::anyhow!(msg)))
}

impl FromRequestParts<WebState> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &WebState) -> Result<Self, AppError> {
        let session = session_of(parts, state).await?;
        // Only a page asked for with GET is worth returning to after sign-in.
        let next = if parts.method == Method::GET {
            parts
                .uri
                .path_and_query()
                .map(|p| p.as_str().to_owned())
                .unwrap_or_default()
        } else {
            String::new()
        };
        let Some((user_id, auth_hash)) = session::signed_in_user(&session).await? else {
            return Err(AppError::SignInRequired { next });
        };
        match state.store.user_by_id(user_id).await? {
            Some(user) if user.enabled && session::still_valid(&auth_hash, &user.password_hash) => {
                let csrf_token = session::csrf_token(&session).await?;
                let flash = if parts.method == Method::GET {
                    session::take_flash(&session).await?
                } else {
                    None
                };
                Ok(Self {
                    user,
                    session,
                    csrf_token,
                    flash,
                })
            }
            // Deleted, disabled, or password changed since: this session is over.
            _ => {
                session::sign_out(&session).await?;
                Err(AppError::SignInRequired { next })
            }
        }
    }
}

/// A signed-in account admin; anyone else signed in gets the 403 page.
pub struct AccountAdmin(pub CurrentUser);

impl FromRequestParts<WebState> for AccountAdmin {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &WebState) -> Result<Self, AppError> {
        let current = CurrentUser::from_request_parts(parts, state).await?;
        if current.user.is_admin {
            Ok(Self(current))
        } else {
            Err(AppError::Forbidden)
        }
    }
}

/// `application/x-www-form-urlencoded` bodies, repeated keys allowed (`scopes=a&scopes=b`). Decoding is
/// strict (see `crate::urlencoded`), and a field the form does not have, or a single field sent twice, is
/// refused: a browser posting our own form never does either.
pub struct Form<T>(pub T);

impl<T, S> FromRequest<S> for Form<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        let body = form_body(req, state).await?;
        parse(&body, "form").map(Self)
    }
}

/// A dashboard form that changes something. The session's CSRF token must come with it, exactly once,
/// as the field `csrf_token`; the other fields are read into `T` as `Form` reads them. A handler that
/// takes its input this way cannot forget the check, and `T` does not carry the token.
pub struct CsrfForm<T>(pub T);

impl<T: DeserializeOwned> FromRequest<WebState> for CsrfForm<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &WebState) -> Result<Self, AppError> {
        let (mut parts, body) = req.into_parts();
        let session = session_of(&mut parts, state).await?;
        let body = form_body(Request::from_parts(parts, body), state).await?;
        if crate::http::urlencoded::decode(&body).is_err() {
            return Err(rejected(
                StatusCode::BAD_REQUEST,
                "The form contained text that is not valid UTF-8; nothing was changed.".into(),
            ));
        }
        let (token, fields) = without_csrf_token(&body)?;
        session::verify_csrf(&session, &token).await?;
        parse(&fields, "form").map(Self)
    }
}

/// A form that has nothing but its CSRF token (confirmations: delete, sign out, ...).
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct NoFields {}

/// Splits the `csrf_token` field off a (valid UTF-8) form body: its value, and the other fields as sent.
/// Missing is a CSRF failure; sent twice, a form no browser of ours posts.
fn without_csrf_token(body: &[u8]) -> Result<(String, Vec<u8>), AppError> {
    let mut token = None;
    let mut rest: Vec<&[u8]> = Vec::new();
    for field in body.split(|&b| b == b'&').filter(|f| !f.is_empty()) {
        let (name, value) = match field.iter().position(|&b| b == b'=') {
            Some(at) => (&field[..at], &field[at + 1..]),
            None => (field, &b""[..]),
        };
        let decode = |raw: &[u8]| {
            std::str::from_utf8(raw)
                .ok()
                .and_then(|s| crate::http::urlencoded::decode_component(s).ok())
        };
        if decode(name).as_deref() != Some("csrf_token") {
            rest.push(field);
        } else if token.replace(decode(value).unwrap_or_default()).is_some() {
            return Err(rejected(
                StatusCode::BAD_REQUEST,
                "The form could not be read (csrf_token was sent more than once); nothing was changed."
                    .into(),
            ));
        }
    }
    let token = token.ok_or(AppError::Csrf)?;
    Ok((token, rest.join(&b'&')))
}

/// A query string, read as strictly as `Form`; problems get the friendly 400 page, not plain text.
pub struct Query<T>(pub T);

impl<T, S> FromRequestParts<S> for Query<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AppError> {
        parse(parts.uri.query().unwrap_or("").as_bytes(), "address").map(Self)
    }
}

/// Path parameters; one that does not parse (`/users/abc/edit`, bytes that are not UTF-8) names no page
/// there is, so it gets the site's 404 page rather than axum's plain-text 400.
pub struct Path<T>(pub T);

impl<T, S> FromRequestParts<S> for Path<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = AppError;

    #[allow(clippy::disallowed_types)] // the one place axum's own Path is used: wrapped here
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(value)| Self(value))
            .map_err(|_| AppError::NotFound)
    }
}

/// A checkbox of our forms: they all send `yes` when ticked and nothing when not. Any other value comes
/// from a tampered request and is refused rather than read as "not ticked".
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Checkbox(pub bool);

impl<'de> serde::Deserialize<'de> for Checkbox {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match String::deserialize(d)?.as_str() {
            "yes" => Ok(Self(true)),
            "" => Ok(Self(false)),
            _ => Err(serde::de::Error::custom(
                "a checkbox is either \"yes\" or not sent",
            )),
        }
    }
}

/// The body of a form post: the right content type, within the size limit.
async fn form_body<S: Send + Sync>(req: Request, state: &S) -> Result<Bytes, AppError> {
    if !is_form(req.headers()) {
        return Err(rejected(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Send this form as application/x-www-form-urlencoded; nothing was changed.".into(),
        ));
    }
    Bytes::from_request(req, state).await.map_err(|rejection| {
        let status = rejection.into_response().status();
        let message = if status == StatusCode::PAYLOAD_TOO_LARGE {
            "The form sent more data than frontdesk accepts (64 KiB); nothing was changed."
        } else {
            "The form could not be read; nothing was changed."
        };
        rejected(status, message.into())
    })
}

fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|mime| {
            mime.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
}

/// `what`: "form" or "address", for the message.
fn parse<T: DeserializeOwned>(raw: &[u8], what: &str) -> Result<T, AppError> {
    if crate::http::urlencoded::decode(raw).is_err() {
        return Err(rejected(
            StatusCode::BAD_REQUEST,
            format!("The {what} contained text that is not valid UTF-8; nothing was changed."),
        ));
    }
    let deserializer = serde_html_form::Deserializer::from_bytes(raw);
    serde_path_to_error::deserialize(deserializer).map_err(|e| {
        let field = e.path().to_string();
        let inner = e.into_inner().to_string();
        // serde_html_form's words for several values given to a field that takes one.
        let problem = if inner == "unsupported value" {
            format!("{field} was sent more than once")
        } else if field == "." {
            inner
        } else {
            format!("{field}: {inner}")
        };
        rejected(
            StatusCode::BAD_REQUEST,
            format!("The {what} could not be read ({problem}); nothing was changed."),
        )
    })
}

fn rejected(status: StatusCode, message: String) -> AppError {
    AppError::Rejected { status, message }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Deserialize, Default, Debug)]
    #[serde(default, deny_unknown_fields)]
    struct Sample {
        name: String,
        scopes: Vec<String>,
        ticked: Checkbox,
    }

    fn message(e: AppError) -> String {
        match e {
            AppError::Rejected { message, .. } => message,
            _ => panic!("not a rejection"),
        }
    }

    #[test]
    fn the_csrf_token_is_split_off_exactly_once() {
        let (token, rest) = without_csrf_token(b"name=a&csrf_token=t%2Bk&scopes=x").unwrap();
        assert_eq!(token, "t+k");
        assert_eq!(rest, b"name=a&scopes=x");
        // Its name may be percent-encoded like any other.
        let (token, rest) = without_csrf_token(b"csrf%5Ftoken=abc").unwrap();
        assert_eq!((token.as_str(), rest.as_slice()), ("abc", &b""[..]));
        assert!(matches!(without_csrf_token(b"name=a"), Err(AppError::Csrf)));
        let twice = message(without_csrf_token(b"csrf_token=a&csrf_token=a").unwrap_err());
        assert!(
            twice.contains("csrf_token was sent more than once"),
            "{twice}"
        );
        // An empty token is a token that will not match, not a missing field.
        let (token, _) = without_csrf_token(b"csrf_token=&name=a").unwrap();
        assert_eq!(token, "");
    }

    #[test]
    fn reads_repeated_keys_into_lists() {
        let s: Sample = parse(b"name=a+b&scopes=x&scopes=y", "form").unwrap();
        assert_eq!(s.name, "a b");
        assert_eq!(s.scopes, ["x", "y"]);
        assert_eq!(s.ticked, Checkbox(false));
        let s: Sample = parse(b"ticked=yes", "form").unwrap();
        assert_eq!(s.ticked, Checkbox(true));
    }

    #[test]
    fn refuses_unknown_and_repeated_fields_and_bad_utf8_with_a_message() {
        let e = message(parse::<Sample>(b"name=a&is_admin=on", "form").unwrap_err());
        assert!(e.contains("unknown field `is_admin`"), "{e}");
        let e = message(parse::<Sample>(b"name=a&name=b", "form").unwrap_err());
        assert!(e.contains("(name was sent more than once)"), "{e}");
        let e = message(parse::<Sample>(b"ticked=on", "form").unwrap_err());
        assert!(
            e.contains("(ticked: a checkbox is either \"yes\" or not sent)"),
            "{e}"
        );
        let e = message(parse::<Sample>(b"name=%FF", "address").unwrap_err());
        assert!(
            e.contains("address contained text that is not valid UTF-8"),
            "{e}"
        );
    }
}
