//! `frontdesk serve` (the default command): the first admin, background work, the metrics listener,
//! then the app until SIGTERM, and the last "last used" times written before the database closes.

use tokio::net::TcpListener;

use crate::config::Config;
use crate::http;

/// Runs the server until Ctrl-C or SIGTERM.
pub async fn serve(config: Config) -> anyhow::Result<()> {
    let listen = config.listen;
    let prepared = crate::prepare(config).await?;
    let core = prepared.core.clone();
    let identity = prepared.identity.clone();
    crate::service::people::bootstrap_admin(&core.store, &core.config).await?;
    if let Some(path) = &core.config.seed {
        seed(&core, path).await?;
    }

    crate::spawn_background_tasks(&core, &identity, &prepared.sessions);

    if let Some(metrics_listen) = core.config.metrics_listen {
        let metrics = TcpListener::bind(metrics_listen).await.map_err(|e| {
            anyhow::anyhow!("FRONTDESK_METRICS_LISTEN: cannot listen on {metrics_listen}: {e}")
        })?;
        let router = http::health::metrics_router(core.store.clone());
        http::serve::in_background(metrics, router, "metrics listener");
        tracing::info!("metrics at http://{metrics_listen}/metrics");
    }

    let listener = TcpListener::bind(listen)
        .await
        .map_err(|e| anyhow::anyhow!("FRONTDESK_LISTEN: cannot listen on {listen}: {e}"))?;
    tracing::info!(
        "frontdesk is serving the dashboard at {}/apps/connected-apps (listening on {listen})",
        core.config.public_url
    );
    http::serve::until_stopped(listener, crate::app(prepared)).await?;
    // Requests are over: write the pending "last used" times and close the database.
    identity.authenticator.flush_last_used(&core.store).await?;
    core.store.pool().close().await;
    tracing::info!("frontdesk stopped");
    Ok(())
}

/// Applies the seed file, on one instance at a time; a bad file stops start-up with its one-line reason.
async fn seed(core: &crate::state::Core, path: &std::path::Path) -> anyhow::Result<()> {
    use crate::service::seed;
    let plan = seed::load(path, core, &|var| std::env::var(var).ok()).await?;
    let applied = core
        .store
        .exclusively(crate::store::Job::Seed, seed::apply(core, plan))
        .await?;
    match applied {
        Some(applied) => {
            let applied = applied?;
            for change in &applied.changes {
                tracing::info!("seed: {change}");
            }
            tracing::info!(
                "seed file {} applied: {} changes",
                path.display(),
                applied.changes.len()
            );
        }
        None => tracing::info!("another instance is applying the seed file"),
    }
    Ok(())
}
