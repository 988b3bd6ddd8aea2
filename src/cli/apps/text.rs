//! How `frontdesk apps` prints for people: aligned columns, one app or secret a line.

use crate::service::apps::AppView;

/// Left-aligned columns, each as wide as its widest cell, two spaces apart.
fn columns(rows: &[Vec<String>]) -> String {
    let widths: Vec<usize> = (0..rows.first().map_or(0, Vec::len))
        .map(|c| {
            rows.iter()
                .map(|r| r.get(c).map_or(0, |cell| cell.chars().count()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (cell, width) in row.iter().zip(&widths) {
            line.push_str(&format!("{cell:<width$}  "));
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// `apps list`: one line an app.
pub fn table(apps: &[AppView]) -> String {
    if apps.is_empty() {
        return "no apps\n".to_owned();
    }
    let header = [
        "CLIENT ID",
        "NAME",
        "KIND",
        "STATUS",
        "SCOPES",
        "SECRETS",
        "CREATED",
    ];
    let mut rows = vec![header.map(String::from).to_vec()];
    rows.extend(apps.iter().map(|a| {
        vec![
            a.client_id.clone(),
            a.client_name.clone(),
            a.kind.as_str().to_owned(),
            if a.suspended { "suspended" } else { "active" }.to_owned(),
            a.scopes.len().to_string(),
            a.secrets.len().to_string(),
            a.created_at.clone(),
        ]
    }));
    columns(&rows)
}

/// `apps show`: the app's settings, then its secrets.
pub fn app(app: &AppView) -> String {
    let pii = if app.pii == "retrieve" {
        "retrieve"
    } else {
        "don't retrieve"
    };
    let mut out = columns(&[
        vec!["client ID:".into(), app.client_id.clone()],
        vec!["client code:".into(), app.client_code.clone()],
        vec!["name:".into(), app.client_name.clone()],
        vec!["kind:".into(), app.kind.as_str().to_owned()],
        vec!["personal data:".into(), pii.to_owned()],
        vec!["scopes:".into(), app.scopes.join(", ")],
        vec!["created:".into(), app.created_at.clone()],
        vec![
            "status:".into(),
            if app.suspended { "suspended" } else { "active" }.into(),
        ],
        vec![
            "token lifetime:".into(),
            app.token_lifetime_seconds
                .map_or_else(|| "server default".into(), |s| format!("{s} seconds")),
        ],
        vec![
            "allowed addresses:".into(),
            if app.allowed_addresses.is_empty() {
                "any".into()
            } else {
                app.allowed_addresses.join(", ")
            },
        ],
    ]);
    if let Some(cut) = &app.tokens_not_before {
        out.push_str(&format!("tokens issued before {cut} are revoked\n"));
    }
    if app.secrets.is_empty() {
        out.push_str("no secrets: the app cannot request tokens\n");
        return out;
    }
    out.push_str("secrets:\n");
    let mut rows = vec![
        [
            "ID",
            "DESCRIPTION",
            "CREATED",
            "EXPIRES",
            "LAST USED",
            "FROM",
        ]
        .map(String::from)
        .to_vec(),
    ];
    rows.extend(app.secrets.iter().map(|s| {
        vec![
            s.id.to_string(),
            s.description.clone(),
            s.created_at.clone(),
            s.expires_at.clone().unwrap_or_else(|| "never".into()),
            s.last_used_at.clone().unwrap_or_else(|| "never".into()),
            s.last_used_from.clone().unwrap_or_else(|| "-".into()),
        ]
    }));
    for line in columns(&rows).lines() {
        out.push_str(&format!("  {line}\n"));
    }
    out
}

/// `apps create`: the client ID and the secret, the only time it is shown.
pub fn created(app: &AppView, secret: &str) -> String {
    columns(&[
        vec!["client ID:".into(), app.client_id.clone()],
        vec!["client secret:".into(), secret.to_owned()],
        vec!["name:".into(), app.client_name.clone()],
        vec!["scopes:".into(), app.scopes.join(", ")],
    ])
}
