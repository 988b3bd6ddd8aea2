//! The OpenAPI document: valid 3.1, its references resolve, its security scheme is the token endpoint's
//! client-credentials flow, and the operations it describes are exactly the ones the router serves.

use std::collections::BTreeSet;

use reqwest::{Method, StatusCode};
use serde_json::Value;

use super::*;

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// Every `"$ref"` in `value`.
fn refs(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                if k == "$ref" {
                    found.push(v.as_str().unwrap().to_owned());
                }
                refs(v, found);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| refs(v, found)),
        _ => {}
    }
}

/// (method, path) of every operation the document describes.
fn operations(doc: &Value) -> BTreeSet<(String, String)> {
    let mut ops = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in METHODS {
            if item.get(method).is_some() {
                ops.insert((method.to_owned(), path.clone()));
            }
        }
    }
    ops
}

#[tokio::test]
async fn the_openapi_document_is_3_1_and_complete() {
    let app = TestApp::spawn().await;
    let r = reqwest::get(format!("{}/api/v1/openapi.json", app.base))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let doc: Value = r.json().await.unwrap();
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        doc["openapi"]
    );
    // It reads back as an OpenAPI document.
    serde_json::from_value::<utoipa::openapi::OpenApi>(doc.clone()).unwrap();

    let mut found = Vec::new();
    refs(&doc, &mut found);
    assert!(!found.is_empty());
    for reference in found {
        let pointer = reference.strip_prefix('#').unwrap();
        assert!(
            doc.pointer(pointer).is_some(),
            "{reference} does not resolve"
        );
    }

    let scheme = &doc["components"]["securitySchemes"]["oauth2"];
    assert_eq!(scheme["type"], "oauth2");
    let flow = &scheme["flows"]["clientCredentials"];
    assert_eq!(flow["tokenUrl"], format!("{}/connect/token", app.base));
    assert!(flow["scopes"][READ].is_string() && flow["scopes"][MANAGE].is_string());

    let mut ids = BTreeSet::new();
    for (method, path) in operations(&doc) {
        let op = &doc["paths"][&path][&method];
        assert!(
            ids.insert(op["operationId"].as_str().unwrap().to_owned()),
            "{path}"
        );
        if path.ends_with("/openapi.json") {
            continue;
        }
        let security = op["security"].as_array().unwrap();
        assert!(!security.is_empty(), "{method} {path} names no scope");
        for status in ["400", "401", "403", "429"] {
            let response = &op["responses"][status];
            assert!(
                response["content"]["application/problem+json"].is_object(),
                "{method} {path} does not document {status}"
            );
        }
    }
    for schema in ["Problem", "App", "AppPage", "Secret", "EventPage"] {
        assert!(doc["components"]["schemas"][schema].is_object(), "{schema}");
    }
}

/// Each route of the admin API, as its `#[utoipa::path]` names it in the source: the attributes that
/// `routes!` turns into routes and operations at once.
fn routed_in_source() -> (usize, Vec<String>) {
    fn files(dir: &std::path::Path, found: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                files(&path, found);
            } else {
                found.push(path);
            }
        }
    }
    let mut found = Vec::new();
    files(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/api"),
        &mut found,
    );
    let mut attributes = 0;
    let mut plain_routes = Vec::new();
    for path in found {
        let source = std::fs::read_to_string(&path).unwrap();
        attributes += source.matches("#[utoipa::path(").count();
        for call in [
            ".route(",
            ".route_service(",
            ".nest(",
            ".nest_service(",
            ".fallback(",
        ] {
            if source.contains(call) {
                plain_routes.push(format!("{} calls {call}", path.display()));
            }
        }
    }
    (attributes, plain_routes)
}

#[tokio::test]
async fn every_route_of_the_router_is_in_the_document_and_nothing_else() {
    let app = TestApp::spawn().await;
    let api = api_as(&app, "manager", &[MANAGE]).await;
    let doc: Value = reqwest::get(format!("{}/api/v1/openapi.json", app.base))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let documented = operations(&doc);

    // No route is added but through `routes!`, and every operation attribute is in the document.
    let (attributes, plain_routes) = routed_in_source();
    assert_eq!(plain_routes, Vec::<String>::new());
    assert_eq!(attributes, documented.len());

    // Each documented operation is served: no "no such address" 404, no 405.
    for (method, path) in &documented {
        let concrete = path
            .replace("{client_id}", &api.client_id)
            .replace("{secret_id}", "999999");
        let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let r = api.send(method.clone(), &concrete, None, None).await;
        assert_ne!(r.status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
        assert!(
            !(r.status == StatusCode::NOT_FOUND && r.body["type"] == "about:blank"),
            "{method} {path} is documented but not routed"
        );
    }
    // ... and nothing else is: every other method on those paths is 405.
    let paths: BTreeSet<&String> = documented.iter().map(|(_, p)| p).collect();
    for path in paths {
        let concrete = path
            .replace("{client_id}", &api.client_id)
            .replace("{secret_id}", "999999");
        for method in METHODS {
            if documented.contains(&(method.to_owned(), path.clone())) {
                continue;
            }
            let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let r = api.send(m, &concrete, None, None).await;
            assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
        }
    }
}
