//! The one integration-test binary: each test starts frontdesk on its own port with a fresh database and
//! drives it over real HTTP with a cookie-keeping client.

// A test that cannot unwrap says less, not more: the whole test crate is test code (clippy's
// allow-*-in-tests settings only reach `#[test]` functions and `#[cfg(test)]` modules).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod activity_export;
mod api;
mod app_state;
mod authorize;
mod cli;
mod cli_apps;
mod code_grant;
mod connections;
mod crash;
mod create_app;
mod db_copy;
mod doors;
mod fresh_sign_in;
mod helpers;
mod hostile;
mod identity;
mod instances;
mod layout;
mod login;
mod manage_app;
mod oidc_client;
mod ops;
mod people;
mod refresh_grant;
mod rooms;
mod secret_care;
mod secret_doors;
mod seed;
mod service_apps;
mod store_app_uris;
mod store_apps;
mod userinfo;
mod web_security;
