//! frontdesk: a self-hosted "Connected apps" dashboard with its own OAuth 2.0 identity server.
//!
//! Three front doors, `web` (the dashboard), `identity` (the OAuth endpoints) and `api` (the admin API
//! for programs), stand on one core (`state::Core`: `store`, `domain`, `clock`, `config`, with the
//! `service` operations above it and the `signing` room beside it) and share the plumbing in `http`. This file
//! composes them: `prepare` opens what they need, `app` is the whole HTTP surface that tests drive and
//! `cli::serve` runs.

pub mod api;
pub mod cli;
pub mod clock;
pub mod config;
pub mod domain;
pub mod http;
pub mod identity;
pub mod service;
pub mod signing;
pub mod state;
pub mod store;
pub mod web;

use std::sync::Arc;

use axum::Router;
use axum::http::Uri;
use axum::response::Response;

use crate::config::Config;
use crate::domain::{PasswordHasher, ScopeCatalog};
use crate::identity::{Authenticator, Identity, IdentityState, KeyRing};
use crate::state::Core;
use crate::store::Store;
use crate::web::WebState;

/// Everything `app` needs, opened and migrated.
pub struct Prepared {
    pub core: Core,
    pub identity: Arc<Identity>,
    pub sessions: web::Sessions,
}

/// Opens the database, runs migrations (ours and the session store's) and loads the scope catalog.
pub async fn prepare(config: Config) -> anyhow::Result<Prepared> {
    let catalog = ScopeCatalog::builtin().map_err(anyhow::Error::msg)?;
    let clock = clock::Clock::default();
    let mut store = Store::open_with(&config.database_url, &config.db)
        .await?
        .with_clock(clock.clone());
    if let Some(target) = &config.audit_sink {
        let tap = service::audit_sink::start(target, &store)?;
        store = store.with_audit_tap(tap);
    }
    let sessions = web::Sessions::open(store.pool()).await?;
    let keys = KeyRing::load(&store, config.token_lifetime, clock.now()).await?;
    // The first sign-in or unknown client must not be the one that pays for computing the dummy hash.
    PasswordHasher.dummy_hash();
    Ok(Prepared {
        identity: Arc::new(Identity {
            keys: Arc::new(keys),
            authenticator: Authenticator::new(clock.clone()),
            refusals: identity::RefusalLog::new(clock.clone()),
        }),
        core: Core {
            clock,
            store,
            config: Arc::new(config),
            catalog: Arc::new(catalog),
        },
        sessions,
    })
}

/// The whole HTTP surface: each door with its own state and error wording, the health endpoints, and
/// around all of them request ids, access logs, metrics and security headers.
pub fn app(prepared: Prepared) -> Router {
    let web = web::router(
        WebState {
            core: prepared.core.clone(),
            keys: prepared.identity.keys.clone(),
        },
        prepared.sessions,
    );
    let api = api::router(
        prepared.core.clone(),
        prepared.identity.keys.clone(),
        Arc::new(api::RateLimit::per_minute(api::REQUESTS_PER_MINUTE)),
    );
    let identity = identity::router(IdentityState {
        core: prepared.core.clone(),
        identity: prepared.identity,
    });
    let trusted = Arc::new(prepared.core.config.trusted_proxies.clone());
    let routes = web
        .merge(identity)
        .merge(api)
        .merge(http::health::health_router(prepared.core.store))
        .fallback(not_found)
        .layer(axum::middleware::from_fn(move |request, next| {
            http::client_addr::resolve(trusted.clone(), request, next)
        }));
    http::headers::secure(http::observe::observed(routes))
}

/// An address no route has: each door says so in its own format.
async fn not_found(uri: Uri) -> Response {
    if identity::owns(uri.path()) {
        identity::not_found()
    } else if api::owns(uri.path()) {
        api::not_found()
    } else {
        web::not_found()
    }
}

/// Periodic work of a running server, one round every 5 seconds (see `background_round`).
pub fn spawn_background_tasks(core: &Core, identity: &Arc<Identity>, sessions: &web::Sessions) {
    let core = core.clone();
    let identity = identity.clone();
    let sessions = sessions.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(BACKGROUND_TICK);
        let mut round: u64 = 0;
        loop {
            tick.tick().await;
            round += 1;
            background_round(&core, &identity, &sessions, round).await;
        }
    });
}

/// How often `background_round` runs.
pub const BACKGROUND_TICK: std::time::Duration = std::time::Duration::from_secs(5);

/// Round `round` of the periodic work: fold the metrics' histogram samples into their buckets (every
/// round), notice key rotations made by `frontdesk keys rotate` (every round; a full reload, which also
/// drops keys whose tokens have expired, every minute), write "last used" times in batches and forget
/// stale cache entries (every 30 s), purge expired sessions, revocations, codes, refresh tokens, grants and old failure counts (every hour, on one instance
/// at a time: `store::Job::Purge`). Every failure is logged and none stops the rounds that follow.
pub async fn background_round(
    core: &Core,
    identity: &Identity,
    sessions: &web::Sessions,
    round: u64,
) {
    // The recorder is built without the exporter's upkeep task (`build_recorder`), so this is ours:
    // otherwise every histogram sample stays in memory until a scrape, which never comes when no
    // metrics listener is configured (about 40 bytes per request; see bench/soak.sh).
    http::observe::metrics_handle().run_upkeep();
    let now = core.clock.now();
    let result = if round.is_multiple_of(12) {
        identity.keys.reload(&core.store, now).await
    } else {
        identity.keys.reload_if_rotated(&core.store, now).await
    };
    if let Err(e) = result {
        tracing::error!(error = %format!("{e:#}"), "reloading signing keys failed");
    }
    if round.is_multiple_of(6) {
        if let Err(e) = identity.authenticator.flush_last_used(&core.store).await {
            tracing::error!(error = %format!("{e:#}"), "recording secret use failed");
        }
        identity.authenticator.housekeeping();
    }
    if round.is_multiple_of(720) {
        let purge = async {
            if let Err(e) = core.store.purge_revoked_tokens(now).await {
                tracing::error!(error = %format!("{e:#}"), "purging expired revocations failed");
            }
            // A grant's access tokens live at most a token lifetime past its end.
            let grants_before = now - core.config.token_lifetime;
            if let Err(e) = core.store.purge_grants(now, grants_before).await {
                tracing::error!(error = %format!("{e:#}"), "purging expired grants failed");
            }
            // Every window and lock of the shared failure counts is shorter than an hour.
            let seconds = now.unix_timestamp();
            if let Err(e) = core.store.purge_attempts(seconds - 3600, seconds).await {
                tracing::error!(error = %format!("{e:#}"), "purging old failure counts failed");
            }
            if let Err(e) = tower_sessions::ExpiredDeletion::delete_expired(sessions).await {
                tracing::error!(error = %e, "deleting expired sessions failed");
            }
        };
        match core.store.exclusively(store::Job::Purge, purge).await {
            Ok(Some(())) => {}
            Ok(None) => tracing::debug!("another instance is purging"),
            Err(e) => tracing::error!(
                error = %format!("{e:#}"),
                "purging expired revocations failed: no database connection"
            ),
        }
    }
}
