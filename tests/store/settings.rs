use dailyx_tests::db::TestDb;

#[tokio::test]
async fn the_settings_revision_changes_when_a_setting_is_set_or_removed() {
    for db in TestDb::both().await {
        let s = &db.store;
        let empty = s.settings_revision().await.unwrap();
        assert_eq!((empty.newest, empty.entries), (0, 0), "{}", db.label);

        s.set_config_value("persona", &serde_json::json!("dev-advocate"), None)
            .await
            .unwrap();
        s.set_credential("llm.api_key", "v1:sealed", "abcd", None, None)
            .await
            .unwrap();
        let set = s.settings_revision().await.unwrap();
        assert_eq!(set.entries, 2, "{}", db.label);
        assert!(set.newest > 0);

        // Removing a credential leaves the newest change where it was: the count tells.
        assert!(s.delete_credential("llm.api_key").await.unwrap());
        let removed = s.settings_revision().await.unwrap();
        assert_ne!(
            removed, set,
            "{}: a removal must change the revision",
            db.label
        );
        assert_eq!(removed.entries, 1);
        db.finish().await;
    }
}
