use dailyx_store::{Backend, Store};
use dailyx_tests::db::TestDb;
use std::collections::BTreeMap;

/// Table -> sorted column names, read from the database's own catalogue.
async fn columns(store: &Store) -> BTreeMap<String, Vec<String>> {
    let sql = match store.backend() {
        Backend::Sqlite => {
            "SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '_sqlx%'"
        }
        Backend::Postgres => {
            "SELECT table_name::text, column_name::text FROM information_schema.columns \
             WHERE table_schema = 'public' AND table_name NOT LIKE '_sqlx%'"
        }
    };
    let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (table, column) in store.query_pairs(sql).await.expect("catalogue") {
        map.entry(table).or_default().push(column);
    }
    map.values_mut().for_each(|c| c.sort());
    map
}

#[tokio::test]
async fn both_backends_have_the_same_tables_and_columns() {
    let mut found = Vec::new();
    for db in TestDb::both().await {
        found.push((db.label, columns(&db.store).await));
        // Migrating again applies nothing and does not fail.
        assert_eq!(db.store.migrate().await.expect("re-migrate"), 0);
        db.finish().await;
    }
    let (_, sqlite) = &found[0];
    for table in [
        "runs",
        "drafts",
        "agent_logs",
        "action_tokens",
        "publish_attempts",
        "posts",
        "auth_users",
        "auth_sessions",
        "audit_logs",
        "app_config",
        "style_profiles",
        "weekly_reports",
        "thread_posts",
        "capability_events",
        "components",
        "collected_materials",
    ] {
        assert!(sqlite.contains_key(table), "sqlite lacks {table}");
    }
    for (label, other) in &found[1..] {
        assert_eq!(sqlite, other, "sqlite and {label} schemas differ");
    }
}

#[tokio::test]
async fn bad_urls_are_clear_errors_without_passwords() {
    let err = Store::connect("mysql://u:secret@localhost/db")
        .await
        .unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("expected sqlite://"), "{msg}");
    assert!(!msg.contains("secret"), "{msg}");
    let err = Store::connect("postgres://u:hunter2@127.0.0.1:1/db")
        .await
        .unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("cannot connect"), "{msg}");
    assert!(!msg.contains("hunter2"), "{msg}");
}
