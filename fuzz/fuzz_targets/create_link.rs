//! The create link (`/apps/connected-apps/create?clientCode=&clientName=&secret=&clientScopes=[...]
//! &piiMode=`): the query read by the handler's own extractor, then `create::prefill` with the
//! built-in scope catalog. The input is the query string.

#![no_main]

use std::collections::BTreeSet;
use std::sync::LazyLock;
use std::task::{Context, Poll, Waker};

use axum::extract::FromRequestParts;
use axum::http::Request;
use frontdesk::domain::ScopeCatalog;
use frontdesk::web::Query;
use frontdesk::web::apps::create::{CreateLink, prefill};
use libfuzzer_sys::fuzz_target;
use serde::Deserialize;

static CATALOG: LazyLock<ScopeCatalog> =
    LazyLock::new(|| ScopeCatalog::builtin().expect("the built-in scope catalog loads"));

/// The link's parameters as plain strings, read the same way, to check the form shows what the link said.
#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Link {
    client_code: String,
    client_name: String,
    secret: String,
    client_scopes: String,
    pii_mode: String,
}

/// Runs the extractor `T` on a GET of `uri`, as axum would; `None` when it refuses the request.
fn extract<T: FromRequestParts<()>>(uri: &[u8]) -> Option<T> {
    let (mut parts, ()) = Request::get(uri).body(()).ok()?.into_parts();
    let future = std::pin::pin!(T::from_request_parts(&mut parts, &()));
    match future.poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(result) => result.ok(),
        Poll::Pending => panic!("reading the query waited for something"),
    }
}

fuzz_target!(|data: &[u8]| {
    let uri = [b"/apps/connected-apps/create?", data].concat();
    if Request::get(uri.as_slice()).body(()).is_err() {
        return; // not a request line an HTTP server would hand on
    }
    let link = extract::<Query<CreateLink>>(&uri);
    let plain = extract::<Query<Link>>(&uri);
    assert_eq!(link.is_some(), plain.is_some(), "the two readings disagree");
    let (Some(Query(link)), Some(Query(plain))) = (link, plain) else {
        return;
    };

    let (values, notice) = prefill(link, &CATALOG);

    assert_eq!(values.client_code, plain.client_code);
    assert_eq!(values.client_name, plain.client_name);
    assert_eq!(values.secret_description, plain.secret);
    assert_eq!(values.pii_retrieve, plain.pii_mode.trim() == "Retrieve");
    assert!(values.scopes.iter().all(|s| CATALOG.contains(s)));
    if plain.client_scopes.trim().is_empty() {
        assert!(values.scopes.is_empty() && notice.is_none());
        return;
    }
    match serde_json::from_str::<Vec<String>>(&plain.client_scopes) {
        Ok(asked) => {
            let known: BTreeSet<String> = asked
                .iter()
                .filter(|s| CATALOG.contains(s))
                .cloned()
                .collect();
            assert_eq!(values.scopes, known);
            let unknown: Vec<&String> = asked.iter().filter(|s| !CATALOG.contains(s)).collect();
            assert_eq!(notice.is_some(), !unknown.is_empty());
            if let Some(notice) = notice {
                assert!(
                    unknown.iter().all(|s| notice.contains(s.as_str())),
                    "{notice}"
                );
            }
        }
        Err(_) => {
            assert!(values.scopes.is_empty());
            assert!(notice.is_some_and(|n| !n.is_empty()));
        }
    }
});
