//! `service::apps` as the seed file and the admin API call it: given secrets, programs as actors, edits.

use frontdesk::domain::{PiiMode, SecretValue};
use frontdesk::service::apps::{
    self, Actor, AppChange, NewAppInput, ServiceError, add_secret, create_app, edit_app,
};
use frontdesk::store::AuditFilter;

use crate::helpers::*;

fn input(code: &str) -> NewAppInput {
    NewAppInput {
        client_code: code.into(),
        client_name: "Seeded".into(),
        pii_mode: PiiMode::DontRetrieve,
        scopes: vec!["setup.read".into()],
        secret_description: "From the seed file".into(),
        secret_expires: frontdesk::domain::SecretExpiry::Never,
    }
}

fn fields(e: ServiceError) -> Vec<(&'static str, String)> {
    match e {
        ServiceError::Invalid(problems) => {
            problems.into_iter().map(|p| (p.field, p.message)).collect()
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_given_secret_is_stored_and_an_unsafe_one_refused_on_the_field_secret() {
    let app = TestApp::spawn().await;
    let given = SecretValue::from_presented("seeded-secret_0123456789.abcdefghij~XYZ".into());
    let created = create_app(&app.core, Actor::Cli, input("seeded"), Some(given.clone()))
        .await
        .unwrap();
    assert_eq!(created.secret.expose(), given.expose());

    let short = SecretValue::from_presented("too short".into());
    let never = frontdesk::domain::SecretExpiry::Never;
    let e = create_app(&app.core, Actor::Cli, input("other"), Some(short.clone())).await;
    assert_eq!(
        fields(e.unwrap_err()),
        [("secret", apps::rules::SECRET_RULE.to_owned())]
    );
    let e = add_secret(
        &app.core,
        Actor::Cli,
        &created.client_id,
        "x",
        never,
        Some(short),
    )
    .await;
    assert_eq!(fields(e.unwrap_err())[0].0, "secret");
    // Same first 8 characters as the secret already there: the token endpoint could not tell them apart.
    let twin = SecretValue::from_presented(format!("{}{}", &given.expose()[..8], "z".repeat(32)));
    let e = add_secret(
        &app.core,
        Actor::Cli,
        &created.client_id,
        "Twin",
        never,
        Some(twin),
    )
    .await;
    assert_eq!(fields(e.unwrap_err())[0].0, "secret");
}

#[tokio::test]
async fn a_program_edits_an_app_and_activity_names_it() {
    let app = TestApp::spawn().await;
    let created = create_app(&app.core, Actor::Cli, input("seeded"), None)
        .await
        .unwrap();
    let robot = Actor::App {
        client_id: "DEMO-SP-ADMIN",
        addr: Some("192.0.2.7".parse().unwrap()),
    };
    let bad = AppChange {
        client_name: Some(" ".into()),
        scopes: Some(vec!["openid".into()]),
        ..AppChange::default()
    };
    let e = edit_app(&app.core, robot, &created.client_id, bad).await;
    let refused: Vec<_> = fields(e.unwrap_err()).into_iter().map(|(f, _)| f).collect();
    assert_eq!(refused, ["client_name", "scopes"]);

    let change = AppChange {
        client_name: Some("Renamed".into()),
        pii_mode: Some(PiiMode::Retrieve),
        scopes: Some(vec!["reservations.read".into(), "setup.read".into()]),
        ..AppChange::default()
    };
    let view = edit_app(&app.core, robot, &created.client_id, change.clone())
        .await
        .unwrap();
    assert_eq!(view.client_name, "Renamed");
    assert_eq!(view.pii, "retrieve");
    assert_eq!(view.scopes.len(), 2);
    // The same change again is no change: nothing recorded.
    edit_app(&app.core, robot, &created.client_id, change)
        .await
        .unwrap();
    let missing = edit_app(&app.core, robot, "DEMO-SP-NOPE", AppChange::default()).await;
    assert!(matches!(missing, Err(ServiceError::NotFound)));

    let filter = AuditFilter {
        client_id: Some(created.client_id.clone()),
        ..AuditFilter::default()
    };
    let records = app.store.audit_records(&filter, 10, 0).await.unwrap();
    assert_eq!(records.len(), 2, "created and edited once");
    assert_eq!(records[0].actor_email.as_deref(), Some("app:DEMO-SP-ADMIN"));
    assert_eq!(records[0].source_addr.as_deref(), Some("192.0.2.7"));
    assert_eq!(records[1].actor_email.as_deref(), Some("cli"));
}
