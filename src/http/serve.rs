//! Serving a router: connections through the `IdleListener`, the client's address as connect info, and
//! on SIGTERM or Ctrl-C a bounded graceful shutdown.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::Notify;

use super::listener::{IDLE_TIMEOUT, IdleListener, Peer};

/// How long requests in flight may take to finish after SIGTERM.
/// (Container runtimes commonly allow 10 s before SIGKILL; we stay well inside 5.)
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(3);

/// Serves `router` on `listener` until SIGTERM or Ctrl-C: then stops accepting and gives requests in
/// flight `SHUTDOWN_GRACE` to finish.
pub async fn until_stopped(listener: TcpListener, router: Router) -> std::io::Result<()> {
    let stopping = Arc::new(Notify::new());
    let signalled = stopping.clone();
    let server = axum::serve(
        IdleListener::new(listener, IDLE_TIMEOUT),
        router.into_make_service_with_connect_info::<Peer>(),
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
    Ok(())
}

/// Serves `router` on `listener` in the background for as long as the process runs (the metrics
/// listener); a failure is logged.
pub fn in_background(listener: TcpListener, router: Router, what: &'static str) {
    tokio::spawn(async move {
        let listener = IdleListener::new(listener, IDLE_TIMEOUT);
        if let Err(e) = axum::serve(listener, router).await {
            tracing::error!(error = %e, "{what} stopped");
        }
    });
}

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
