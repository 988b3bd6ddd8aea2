//! What both front doors share, and neither owns: the listener and its idle-connection rule, the
//! client's address, request ids, access logs and metrics, strict URL-encoding, security headers, body
//! limits with each door's own wording of errors, health endpoints, and serving with graceful shutdown.
//! Nothing here imports `web` or `identity`.

pub mod client_addr;
pub mod door;
pub mod headers;
pub mod health;
pub mod listener;
pub mod observe;
pub mod serve;
pub mod urlencoded;

pub use client_addr::ClientAddr;
pub use door::MAX_BODY_BYTES;
pub use headers::{NO_STORE, download};
