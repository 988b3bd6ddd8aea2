//! `FRONTDESK_AUDIT_SINK`: every audit entry this instance commits, forwarded as one JSON line (the
//! JSON Lines export's) to a file or the local syslog. A request only notes the new row's id
//! (`store::AuditTap`); a reader task forwards the rows once they are committed, through a bounded
//! channel, to a writer thread that does the blocking writes. A slow sink drops entries (counted in
//! `frontdesk_audit_sink_dropped_total`), it never slows a request.

use std::io::Write;
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use time::format_description::well_known::Rfc3339;
use tokio::sync::mpsc;

use crate::config::AuditSinkTarget;
use crate::service::activity::json_object;
use crate::store::{AuditRow, AuditTap, Store, audit_sink_dropped};

/// Lines between the reader and the writer.
const CHANNEL: usize = 1024;
/// How often the reader looks again for rows noted and not yet committed.
const RECHECK: Duration = Duration::from_millis(200);
/// A noted row not seen this long belongs to a transaction that rolled back.
const GIVE_UP: Duration = Duration::from_secs(60);
/// Facility authpriv (10), severity informational (6).
const PRIORITY: u8 = 10 * 8 + 6;

/// An open sink.
enum Sink {
    File(std::fs::File),
    Syslog { socket: UnixDatagram, path: PathBuf },
}

impl Sink {
    /// Opens the target now, so that a path that cannot be written stops start-up.
    fn open(target: &AuditSinkTarget) -> anyhow::Result<Self> {
        match target {
            AuditSinkTarget::File(path) => std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .map(Sink::File)
                .map_err(|e| {
                    anyhow::anyhow!("FRONTDESK_AUDIT_SINK: cannot open {}: {e}", path.display())
                }),
            AuditSinkTarget::Syslog(path) => Ok(Sink::Syslog {
                socket: connect(path)?,
                path: path.clone(),
            }),
        }
    }

    fn write(&mut self, row: &AuditRow) -> std::io::Result<()> {
        match self {
            // One write of the whole line: with O_APPEND, lines of several writers never interleave.
            Sink::File(file) => file.write_all(format!("{}\n", json_object(row)).as_bytes()),
            Sink::Syslog { socket, path } => {
                let message = syslog_message(row, &hostname());
                if socket.send(message.as_bytes()).is_err() {
                    // syslogd restarted: its socket is a new one.
                    *socket = connect(path).map_err(std::io::Error::other)?;
                    socket.send(message.as_bytes())?;
                }
                Ok(())
            }
        }
    }
}

fn connect(path: &Path) -> anyhow::Result<UnixDatagram> {
    let socket = UnixDatagram::unbound()?;
    socket.connect(path).map_err(|e| {
        anyhow::anyhow!(
            "FRONTDESK_AUDIT_SINK: cannot reach syslog at {}: {e}",
            path.display()
        )
    })?;
    Ok(socket)
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_owned())
        .ok()
        .filter(|h| !h.is_empty() && !h.contains(' '))
        .unwrap_or_else(|| "-".into())
}

/// An RFC 5424 message: `<86>1 TIMESTAMP HOST frontdesk PID audit - {json}`, stamped with the entry's
/// own time.
pub fn syslog_message(row: &AuditRow, host: &str) -> String {
    let at = row
        .at
        .to_offset(time::UtcOffset::UTC)
        .format(&Rfc3339)
        .unwrap_or_else(|_| "-".into());
    format!(
        "<{PRIORITY}>1 {at} {host} frontdesk {} audit - {}",
        std::process::id(),
        json_object(row)
    )
}

/// Opens `target` and starts forwarding: the returned tap goes into the store
/// (`Store::with_audit_tap`), which notes each audit row it writes.
pub fn start(target: &AuditSinkTarget, store: &Store) -> anyhow::Result<Arc<AuditTap>> {
    let mut sink = Sink::open(target)?;
    let tap = Arc::new(AuditTap::default());
    let (lines, mut queue) = mpsc::channel::<AuditRow>(CHANNEL);
    std::thread::Builder::new()
        .name("audit-sink".into())
        .spawn(move || {
            while let Some(row) = queue.blocking_recv() {
                if let Err(e) = sink.write(&row) {
                    tracing::warn!("audit sink: entry {} not written: {e}", row.id);
                }
            }
        })?;
    tokio::spawn(forward(store.clone(), tap.clone(), lines));
    Ok(tap)
}

/// Forwards the noted rows that have committed, oldest first, until the writer is gone.
async fn forward(store: Store, tap: Arc<AuditTap>, lines: mpsc::Sender<AuditRow>) {
    loop {
        tap.wait(RECHECK).await;
        let pending = tap.pending();
        if pending.is_empty() {
            continue;
        }
        let rows = match store.audit_rows_by_id(&pending).await {
            Ok(rows) => rows,
            Err(e) => {
                tracing::warn!("audit sink: cannot read new entries: {e}");
                continue;
            }
        };
        let seen: Vec<i64> = rows.iter().map(|r| r.id).collect();
        tap.settle(&seen, GIVE_UP);
        for row in rows {
            match lines.try_send(row) {
                Ok(()) => {}
                Err(mpsc::error::TrySendError::Full(_)) => audit_sink_dropped(1),
                Err(mpsc::error::TrySendError::Closed(_)) => return,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row() -> AuditRow {
        AuditRow {
            id: 42,
            at: time::macros::datetime!(2026-11-30 07:55:09 UTC),
            actor_email: Some("ada@example.com".into()),
            source_addr: Some("192.0.2.1".into()),
            action: "user.signed_in".into(),
            client_id: None,
            details: "{}".into(),
        }
    }

    #[test]
    fn the_syslog_sink_sends_one_rfc_5424_datagram_per_entry() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log");
        let server = UnixDatagram::bind(&path).unwrap();
        server
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let mut sink = Sink::open(&AuditSinkTarget::Syslog(path)).unwrap();

        sink.write(&row()).unwrap();

        let mut buf = [0u8; 4096];
        let n = server.recv(&mut buf).unwrap();
        let message = std::str::from_utf8(&buf[..n]).unwrap();
        let prefix = "<86>1 2026-11-30T07:55:09Z ";
        assert!(message.starts_with(prefix), "{message}");
        let (_, json) = message.split_once(" audit - ").unwrap();
        let value: serde_json::Value = serde_json::from_str(json).unwrap();
        assert_eq!(value["id"], 42);
        assert_eq!(value["actor"], "ada@example.com");
        assert_eq!(value["details"], serde_json::json!({}));
    }

    #[test]
    fn a_syslog_socket_that_is_not_there_stops_start_up() {
        let missing = AuditSinkTarget::Syslog("/nonexistent/frontdesk/log".into());
        let e = Sink::open(&missing).err().unwrap().to_string();
        assert!(
            e.starts_with("FRONTDESK_AUDIT_SINK: cannot reach syslog at"),
            "{e}"
        );
    }
}
