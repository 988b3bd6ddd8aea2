//! The activity as files: the date range every door reads the same way, and the export (CSV or JSON
//! Lines) that the dashboard, the admin API and the command line all stream from here, batch by batch,
//! so that a hundred thousand entries cost no more memory than five hundred.

use futures_util::Stream;
use time::Date;
use time::format_description::well_known::Rfc3339;

use crate::store::{AuditFilter, AuditRow, Store, StoreError};

/// Rows read from the database at a time.
pub const EXPORT_BATCH: i64 = 500;

/// The columns of an export, in order (the CSV header; the keys of a JSON line).
pub const COLUMNS: [&str; 7] = [
    "id",
    "at",
    "actor",
    "source_addr",
    "action",
    "client_id",
    "details",
];

/// Why a date range was refused, worded for the person who typed it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RangeError {
    #[error("\"From\" is not a date: use YYYY-MM-DD")]
    From,
    #[error("\"To\" is not a date: use YYYY-MM-DD")]
    To,
    #[error("\"To\" is before \"From\"")]
    Reversed,
}

/// A day as `<input type="date">` sends it (`YYYY-MM-DD`); empty is no bound.
fn day(text: &str) -> Result<Option<Date>, ()> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(text, &format).map(Some).map_err(|_| ())
}

/// The inclusive range of days (UTC) between `from` and `to`, either of which may be empty.
pub fn date_range(from: &str, to: &str) -> Result<(Option<Date>, Option<Date>), RangeError> {
    let from = day(from).map_err(|()| RangeError::From)?;
    let to = day(to).map_err(|()| RangeError::To)?;
    if let (Some(from), Some(to)) = (from, to)
        && to < from
    {
        return Err(RangeError::Reversed);
    }
    Ok((from, to))
}

/// The two shapes of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Csv,
    JsonLines,
}

impl ExportFormat {
    /// `csv` or `jsonl`, as the command line and the API's `format` take it.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "csv" => Some(Self::Csv),
            "jsonl" => Some(Self::JsonLines),
            _ => None,
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Self::Csv => "text/csv; charset=utf-8",
            Self::JsonLines => "application/x-ndjson",
        }
    }

    /// `frontdesk-activity-YYYYMMDD.csv` (or `.jsonl`) for an export made on `today`.
    pub fn file_name(self, today: Date) -> String {
        let extension = match self {
            Self::Csv => "csv",
            Self::JsonLines => "jsonl",
        };
        format!(
            "frontdesk-activity-{:04}{:02}{:02}.{extension}",
            today.year(),
            u8::from(today.month()),
            today.day()
        )
    }
}

/// The row's time in RFC 3339, UTC.
fn at_text(row: &AuditRow) -> String {
    row.at
        .to_offset(time::UtcOffset::UTC)
        .format(&Rfc3339)
        .unwrap_or_default()
}

/// One entry as a JSON object: the line of a JSON Lines export, and what the audit sink forwards.
/// `details` is the stored JSON as a value (as a string if it ever is not JSON).
pub fn json_object(row: &AuditRow) -> serde_json::Value {
    let details = serde_json::from_str(&row.details)
        .unwrap_or_else(|_| serde_json::Value::String(row.details.clone()));
    serde_json::json!({
        "id": row.id,
        "at": at_text(row),
        "actor": row.actor_email,
        "source_addr": row.source_addr,
        "action": row.action,
        "client_id": row.client_id,
        "details": details,
    })
}

/// A CSV cell that a spreadsheet would read as a formula (`=`, `+`, `-`, `@`, or a leading tab or
/// carriage return that some strip first) gets a leading `'`, so opening an export never runs what
/// someone typed into an app name or an email (OWASP "CSV injection").
fn neutralised(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}").into(),
        _ => cell.into(),
    }
}

/// `rows` in `format`, with the CSV header first when `header`.
pub fn encode(format: ExportFormat, rows: &[AuditRow], header: bool) -> Vec<u8> {
    match format {
        ExportFormat::JsonLines => {
            let mut out = Vec::with_capacity(rows.len() * 256);
            for row in rows {
                out.extend_from_slice(json_object(row).to_string().as_bytes());
                out.push(b'\n');
            }
            out
        }
        ExportFormat::Csv => {
            let mut writer = csv::Writer::from_writer(Vec::with_capacity(rows.len() * 200));
            // Writing to a Vec fails only on a record of the wrong length, which these are not.
            if header {
                let _ = writer.write_record(COLUMNS);
            }
            for row in rows {
                let cells = [
                    row.id.to_string(),
                    at_text(row),
                    row.actor_email.clone().unwrap_or_default(),
                    row.source_addr.clone().unwrap_or_default(),
                    row.action.clone(),
                    row.client_id.clone().unwrap_or_default(),
                    row.details.clone(),
                ];
                let _ = writer.write_record(cells.iter().map(|c| neutralised(c).into_owned()));
            }
            writer.into_inner().unwrap_or_default()
        }
    }
}

/// Where an export has got to.
struct Cursor {
    store: Store,
    filter: AuditFilter,
    format: ExportFormat,
    before: Option<i64>,
    started: bool,
    done: bool,
}

/// Every entry `filter` selects, newest first, in `format`: one chunk per batch of `EXPORT_BATCH` rows
/// (the CSV header in the first), read by id so that memory stays flat however long the log is.
pub fn export(
    store: Store,
    filter: AuditFilter,
    format: ExportFormat,
) -> impl Stream<Item = Result<Vec<u8>, StoreError>> + Send + 'static {
    let cursor = Cursor {
        store,
        filter,
        format,
        before: None,
        started: false,
        done: false,
    };
    futures_util::stream::unfold(cursor, |mut cursor| async move {
        if cursor.done {
            return None;
        }
        let rows = match cursor
            .store
            .audit_rows(&cursor.filter, cursor.before, EXPORT_BATCH)
            .await
        {
            Ok(rows) => rows,
            Err(e) => {
                // The response has begun: all that is left is to cut it short and say why here.
                tracing::error!("activity export stopped: {e}");
                cursor.done = true;
                return Some((Err(e), cursor));
            }
        };
        let header = !cursor.started;
        cursor.started = true;
        cursor.done = rows.len() < usize::try_from(EXPORT_BATCH).unwrap_or(0);
        cursor.before = rows.last().map(|r| r.id);
        Some((Ok(encode(cursor.format, &rows, header)), cursor))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(actor: &str, details: &str) -> AuditRow {
        AuditRow {
            id: 7,
            at: time::macros::datetime!(2026-11-30 07:55:09.25 UTC),
            actor_email: Some(actor.into()),
            source_addr: None,
            action: "app.created".into(),
            client_id: Some("AC-X".into()),
            details: details.into(),
        }
    }

    #[test]
    fn dates_are_days_and_to_may_not_precede_from() {
        let d = time::macros::date!(2026 - 11 - 30);
        assert_eq!(date_range("", ""), Ok((None, None)));
        assert_eq!(date_range("2026-11-30", " "), Ok((Some(d), None)));
        assert_eq!(
            date_range("2026-11-30", "2026-11-30"),
            Ok((Some(d), Some(d)))
        );
        assert_eq!(date_range("30/11/2026", ""), Err(RangeError::From));
        assert_eq!(date_range("", "2026-02-30"), Err(RangeError::To));
        assert_eq!(
            date_range("2026-11-30", "2026-11-29"),
            Err(RangeError::Reversed)
        );
    }

    #[test]
    fn formula_cells_are_neutralised_and_others_kept() {
        for (cell, out) in [
            ("=1+1", "'=1+1"),
            ("+1", "'+1"),
            ("-1", "'-1"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
            ("ada@example.com", "ada@example.com"),
            ("", ""),
        ] {
            assert_eq!(neutralised(cell), out);
        }
    }

    #[test]
    fn a_csv_export_has_a_header_and_the_columns_in_order() {
        let csv = encode(ExportFormat::Csv, &[row("=cmd", r#"{"a":1}"#)], true);
        assert_eq!(
            String::from_utf8(csv).unwrap(),
            "id,at,actor,source_addr,action,client_id,details\n\
             7,2026-11-30T07:55:09.25Z,'=cmd,,app.created,AC-X,\"{\"\"a\"\":1}\"\n"
        );
    }

    #[test]
    fn a_json_line_holds_the_details_as_json() {
        let line = encode(
            ExportFormat::JsonLines,
            &[row("ada@example.com", r#"{"a":1}"#)],
            true,
        );
        let value: serde_json::Value = serde_json::from_slice(&line).unwrap();
        assert_eq!(value["details"]["a"], 1);
        assert_eq!(value["at"], "2026-11-30T07:55:09.25Z");
        assert!(line.ends_with(b"\n"));
    }
}
