//! frontdesk: a self-hosted "Connected apps" dashboard with its own OAuth 2.0 identity server.
//!
//! `app(state)` is the whole HTTP surface; `main.rs` only parses the command line and calls in here.

#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod clock;
pub mod config;
pub mod conn;
pub mod domain;
pub mod error;
pub mod identity;
pub mod ops;
pub mod state;
pub mod store;
pub mod urlencoded;
pub mod users;
pub mod web;

use std::sync::Arc;

use axum::Router;
use tokio::net::TcpListener;
use tower_sessions::ExpiredDeletion;
use tower_sessions_sqlx_store::SqliteStore;

use crate::config::Config;
use crate::domain::ScopeCatalog;
use crate::identity::{Authenticator, Identity, KeyRing};
use crate::state::AppState;
use crate::store::Store;

/// Everything `app` needs, opened and migrated.
pub struct Prepared {
    pub state: AppState,
    pub sessions: SqliteStore,
}

/// Opens the database, runs migrations (ours and the session store's) and loads the scope catalog.
pub async fn prepare(config: Config) -> anyhow::Result<Prepared> {
    let catalog = ScopeCatalog::builtin().map_err(anyhow::Error::msg)?;
    let store = Store::open(&config.database_url).await?;
    let sessions = SqliteStore::new(store.pool().clone())
        .with_table_name("sessions")
        .map_err(anyhow::Error::msg)?;
    sessions.migrate().await?;
    let keys = KeyRing::load(&store, config.token_lifetime).await?;
    web::warm_up();
    Ok(Prepared {
        state: AppState {
            clock: clock::Clock::default(),
            store,
            config: Arc::new(config),
            catalog: Arc::new(catalog),
            identity: Arc::new(Identity {
                keys,
                authenticator: Authenticator::new(),
            }),
            sign_in_throttle: Arc::default(),
        },
        sessions,
    })
}

/// The whole HTTP surface: what tests drive and `serve` runs.
pub fn app(prepared: Prepared) -> Router {
    use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
    use tower_http::trace::TraceLayer;

    ops::metrics_handle();
    let routes = web::router(&prepared.state.config, prepared.sessions)
        .merge(identity::router())
        .merge(ops::health_router())
        .layer(axum::middleware::from_fn(ops::observe));
    let request_id = axum::http::HeaderName::from_static(ops::REQUEST_ID);
    web::harden(routes)
        .layer(
            // One span per request with its id; the route template, never the path (link tokens
            // live in paths) nor the query string.
            TraceLayer::new_for_http().make_span_with(|request: &axum::http::Request<_>| {
                let id = request
                    .headers()
                    .get(ops::REQUEST_ID)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("");
                let route = request
                    .extensions()
                    .get::<axum::extract::MatchedPath>()
                    .map_or("unmatched", |m| m.as_str());
                tracing::info_span!("request", request_id = %id, method = %request.method(), route = %route)
            }),
        )
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
        .with_state(prepared.state)
}

/// Periodic work of a running server: notice key rotations made by `frontdesk keys rotate`, drop keys
/// whose tokens have expired, write "last used" times in batches, forget stale cache entries, and fold
/// the metrics' histogram samples into their buckets.
pub fn spawn_background_tasks(state: &AppState) {
    let s = state.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(5));
        let mut round: u64 = 0;
        loop {
            tick.tick().await;
            round += 1;
            // The recorder is built without the exporter's upkeep task (`build_recorder`), so this is
            // ours: otherwise every histogram sample stays in memory until a scrape, which never comes
            // when no metrics listener is configured (about 40 bytes per request; see bench/soak.sh).
            ops::metrics_handle().run_upkeep();
            let keys = &s.identity.keys;
            let result = if round.is_multiple_of(12) {
                keys.reload(&s.store).await
            } else {
                keys.reload_if_rotated(&s.store).await
            };
            if let Err(e) = result {
                tracing::error!(error = %format!("{e:#}"), "reloading signing keys failed");
            }
            if round.is_multiple_of(6) {
                if let Err(e) = s.identity.authenticator.flush_last_used(&s.store).await {
                    tracing::error!(error = %format!("{e:#}"), "recording secret use failed");
                }
                s.identity.authenticator.housekeeping();
            }
            if round.is_multiple_of(720) {
                let _ = s
                    .store
                    .purge_revoked_tokens(time::OffsetDateTime::now_utc())
                    .await;
            }
        }
    });
}

/// Runs the server until Ctrl-C or SIGTERM.
pub async fn serve(config: Config) -> anyhow::Result<()> {
    let listen = config.listen;
    let prepared = prepare(config).await?;
    let state = prepared.state.clone();
    users::bootstrap_admin(&state.store, &state.config).await?;

    spawn_background_tasks(&state);
    // Expired sessions are deleted in the background, once an hour.
    let reaper = prepared.sessions.clone();
    tokio::spawn(async move {
        if let Err(e) = reaper
            .continuously_delete_expired(tokio::time::Duration::from_secs(3600))
            .await
        {
            tracing::error!(error = %e, "expired-session cleanup stopped");
        }
    });

    if let Some(metrics_listen) = state.config.metrics_listen {
        let metrics = TcpListener::bind(metrics_listen).await.map_err(|e| {
            anyhow::anyhow!("FRONTDESK_METRICS_LISTEN: cannot listen on {metrics_listen}: {e}")
        })?;
        let router = ops::metrics_router(state.clone());
        tokio::spawn(async move {
            let metrics = conn::IdleListener::new(metrics, conn::IDLE_TIMEOUT);
            if let Err(e) = axum::serve(metrics, router).await {
                tracing::error!(error = %e, "metrics listener stopped");
            }
        });
        tracing::info!("metrics at http://{metrics_listen}/metrics");
    }

    let listener = TcpListener::bind(listen)
        .await
        .map_err(|e| anyhow::anyhow!("FRONTDESK_LISTEN: cannot listen on {listen}: {e}"))?;
    tracing::info!(
        "frontdesk is serving the dashboard at {}/apps/connected-apps (listening on {listen})",
        state.config.public_url
    );
    // On SIGTERM or Ctrl-C: stop accepting, give requests in flight a bounded time to finish, then
    // write the pending "last used" times and close the database.
    let stopping = std::sync::Arc::new(tokio::sync::Notify::new());
    let signalled = stopping.clone();
    let server = axum::serve(
        conn::IdleListener::new(listener, conn::IDLE_TIMEOUT),
        app(prepared).into_make_service_with_connect_info::<conn::Peer>(),
    )
    .with_graceful_shutdown(async move {
        shutdown_signal().await;
        tracing::info!("shutting down: finishing requests in flight");
        signalled.notify_one();
    });
    let grace = async {
        stopping.notified().await;
        tokio::time::sleep(SHUTDOWN_GRACE).await;
    };
    tokio::select! {
        result = server => result?,
        () = grace => tracing::warn!("requests still running after {SHUTDOWN_GRACE:?}; stopping anyway"),
    }
    state
        .identity
        .authenticator
        .flush_last_used(&state.store)
        .await?;
    state.store.pool().close().await;
    tracing::info!("frontdesk stopped");
    Ok(())
}

/// How long requests in flight may take to finish after SIGTERM.
/// (Container runtimes commonly allow 10 s before SIGKILL; we stay well inside 5.)
const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(3);

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
