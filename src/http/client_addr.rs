//! The client's address, for rate limits and the audit trail, from whichever listener served the request.
//!
//! Behind a load balancer every connection comes from the balancer, so counting failures by peer address
//! would make all clients one. With `FRONTDESK_TRUSTED_PROXIES` set, a request whose peer is a trusted
//! proxy is attributed to the address that proxy saw: `X-Forwarded-For` is read from the right, skipping
//! trusted hops, and the first untrusted address is the client (entries further left were written by the
//! client itself and prove nothing). Without the setting the header is ignored: anyone could write it.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, FromRequestParts, Request};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::Response;
use ipnet::IpNet;

use super::listener::Peer;

/// The client's address as resolved for this request (peer, or what trusted proxies forwarded).
#[derive(Clone, Copy)]
struct Resolved(Option<IpAddr>);

/// The client's address: the connection's peer, or, behind trusted proxies, the address they forwarded.
pub struct ClientAddr(pub Option<IpAddr>);

fn peer(parts: &axum::http::Extensions) -> Option<IpAddr> {
    // The server's own listener gives a `Peer`; a plain `TcpListener` (tests) a `SocketAddr`.
    parts
        .get::<ConnectInfo<Peer>>()
        .map(|ConnectInfo(peer)| peer.0.ip())
        .or_else(|| {
            parts
                .get::<ConnectInfo<SocketAddr>>()
                .map(|ConnectInfo(addr)| addr.ip())
        })
}

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let ext = &parts.extensions;
        Ok(Self(match ext.get::<Resolved>() {
            Some(Resolved(addr)) => *addr,
            None => peer(ext),
        }))
    }
}

/// The client behind `peer`, given the `X-Forwarded-For` headers and the trusted proxies.
pub fn client_behind(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |addr: &IpAddr| trusted.iter().any(|net| net.contains(addr));
    if !is_trusted(&peer) {
        return peer;
    }
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .collect();
    let mut client = peer;
    for hop in hops.iter().rev() {
        // Something not an address where one should be: stop at the last hop that made sense.
        let Ok(addr) = hop.trim().parse::<IpAddr>() else {
            break;
        };
        client = addr;
        if !is_trusted(&addr) {
            break;
        }
    }
    client
}

/// Resolves each request's client address once, for every handler (see the module's documentation).
pub async fn resolve(trusted: Arc<Vec<IpNet>>, mut request: Request, next: Next) -> Response {
    if !trusted.is_empty() {
        let peer = peer(request.extensions());
        let client = peer.map(|p| client_behind(p, request.headers(), &trusted));
        request.extensions_mut().insert(Resolved(client));
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append("x-forwarded-for", v.parse().unwrap());
        }
        h
    }

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter().map(|n| n.parse().unwrap()).collect()
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_forwards() {
        let h = headers(&["1.2.3.4"]);
        assert_eq!(
            client_behind(ip("9.9.9.9"), &h, &nets(&["10.0.0.0/8"])),
            ip("9.9.9.9")
        );
        assert_eq!(client_behind(ip("10.0.0.5"), &h, &[]), ip("10.0.0.5"));
    }

    #[test]
    fn behind_trusted_proxies_the_first_untrusted_hop_from_the_right_is_the_client() {
        let trusted = nets(&["10.0.0.0/8", "::1/128"]);
        // The client forged "6.6.6.6"; nginx appended the address it saw.
        let h = headers(&["6.6.6.6, 203.0.113.7"]);
        assert_eq!(
            client_behind(ip("10.0.0.5"), &h, &trusted),
            ip("203.0.113.7")
        );
        // Two proxies, in two headers.
        let h = headers(&["6.6.6.6, 203.0.113.7", "10.1.1.1"]);
        assert_eq!(client_behind(ip("::1"), &h, &trusted), ip("203.0.113.7"));
        // Only trusted hops: the leftmost of them.
        let h = headers(&["10.2.2.2"]);
        assert_eq!(client_behind(ip("10.0.0.5"), &h, &trusted), ip("10.2.2.2"));
        // No header: the proxy itself.
        assert_eq!(
            client_behind(ip("10.0.0.5"), &headers(&[]), &trusted),
            ip("10.0.0.5")
        );
        // Garbage stops the walk at the last address that made sense.
        let h = headers(&["203.0.113.9, nonsense, 10.3.3.3"]);
        assert_eq!(client_behind(ip("10.0.0.5"), &h, &trusted), ip("10.3.3.3"));
    }
}
