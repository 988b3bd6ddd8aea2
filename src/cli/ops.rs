//! `frontdesk healthcheck`, `frontdesk backup` and `frontdesk migrate`: for container health checks,
//! online backups and migration jobs.

use std::process::ExitCode;

use super::{Cli, config, failed, open_store};
use crate::store::Store;

pub(super) async fn healthcheck(cli: &Cli) -> Result<(), ExitCode> {
    let config = config(cli)?;
    match probe_ready(config.listen).await {
        Ok(()) => Ok(()),
        Err(why) => {
            eprintln!("not ready: {why}");
            Err(ExitCode::FAILURE)
        }
    }
}

pub(super) async fn migrate(cli: &Cli) -> Result<(), ExitCode> {
    let config = config(cli)?;
    let store = Store::connect(&config.database_url, &config.db)
        .await
        .map_err(failed)?;
    store.migrate().await.map_err(failed)?;
    store
        .ready()
        .await
        .map_err(|why| failed(anyhow::anyhow!(why)))?;
    println!(
        "{} is migrated",
        crate::config::redacted_url(&config.database_url)
    );
    Ok(())
}

pub(super) async fn backup(cli: &Cli, file: &std::path::Path) -> Result<(), ExitCode> {
    if file.exists() {
        eprintln!(
            "error: {} exists already; choose a new file",
            file.display()
        );
        return Err(ExitCode::FAILURE);
    }
    let store = open_store(&cli.database_url).await?;
    let written = store.backup_to(file).await.map_err(|e| {
        eprintln!("error: backup to {} failed: {e}", file.display());
        ExitCode::FAILURE
    })?;
    if !written {
        eprintln!(
            "error: frontdesk backup copies a SQLite database; for PostgreSQL use its own tools, \
             e.g. pg_dump --format=custom --file={} \"$DATABASE_URL\"",
            file.display()
        );
        return Err(ExitCode::FAILURE);
    }
    println!("backed up to {}", file.display());
    Ok(())
}

/// `frontdesk healthcheck`: a plain HTTP/1.1 `GET /readyz` to the listen address (a wildcard address
/// is probed on loopback). Hand-written: a minimal image has no curl, and a client library would
/// double the binary for one request.
pub async fn probe_ready(listen: std::net::SocketAddr) -> Result<(), String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let mut target = listen;
    if target.ip().is_unspecified() {
        target.set_ip(if target.is_ipv4() {
            std::net::Ipv4Addr::LOCALHOST.into()
        } else {
            std::net::Ipv6Addr::LOCALHOST.into()
        });
    }
    let exchange = async {
        let mut stream = tokio::net::TcpStream::connect(target).await?;
        stream
            .write_all(
                format!("GET /readyz HTTP/1.1\r\nHost: {target}\r\nConnection: close\r\n\r\n")
                    .as_bytes(),
            )
            .await?;
        let mut head = vec![0u8; 64];
        let n = stream.read(&mut head).await?;
        head.truncate(n);
        Ok::<_, std::io::Error>(String::from_utf8_lossy(&head).into_owned())
    };
    match tokio::time::timeout(std::time::Duration::from_secs(3), exchange).await {
        Err(_) => Err(format!("no answer from {target} within 3 s")),
        Ok(Err(e)) => Err(format!("{target}: {e}")),
        Ok(Ok(head)) if head.starts_with("HTTP/1.1 200") => Ok(()),
        Ok(Ok(head)) => Err(format!(
            "{target} answered {:?}",
            head.lines().next().unwrap_or("")
        )),
    }
}
