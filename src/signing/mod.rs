//! What both doors need to sign and check tokens: the signing keys (`keys`: stored, rotated, published
//! as a JWKS) and the JWTs made with them (`jwt`: access tokens and id_tokens). The identity door
//! signs; the dashboard's door checks the id_tokens apps send to `/connect/endsession`.

pub mod jwt;
pub mod keys;

pub use keys::KeyRing;
