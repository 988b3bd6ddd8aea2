//! The one integration-test binary: each test starts frontdesk on its own port with a fresh database and
//! drives it over real HTTP with a cookie-keeping client.

mod cli;
mod crash;
mod create_app;
mod helpers;
mod hostile;
mod identity;
mod layout;
mod login;
mod manage_app;
mod ops;
mod people;
mod web_security;
