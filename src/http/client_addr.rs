//! The client's address, for rate limits and the audit trail, from whichever listener served the request.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;

use super::listener::Peer;

/// The peer address of the connection, when the server was started with connect info.
pub struct ClientAddr(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        // The server's own listener gives a `Peer`; a plain `TcpListener` (tests) a `SocketAddr`.
        let ext = &parts.extensions;
        Ok(Self(
            ext.get::<ConnectInfo<Peer>>()
                .map(|ConnectInfo(peer)| peer.0.ip())
                .or_else(|| {
                    ext.get::<ConnectInfo<SocketAddr>>()
                        .map(|ConnectInfo(addr)| addr.ip())
                }),
        ))
    }
}
