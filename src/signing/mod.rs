//! What both doors need to sign and check tokens: the signing keys (`keys`: stored, rotated, published
//! as a JWKS; `ring`: the ones this process holds, and verification that reloads them once for a key
//! another instance has just started with), the JWTs made with them (`jwt`: access tokens and
//! id_tokens) and their ids (`jti`: which secret or grant a token came from, so any door can tell
//! whether it is still active). The identity door signs; the dashboard's door checks the id_tokens apps
//! send to `/connect/endsession`.

pub mod jti;
pub mod jwt;
pub mod keys;
mod ring;

pub use ring::KeyRing;
