use dailyx_store::{NewAuditEntry, Role, Store, StoreError, now_ms, sha256_hex};
use dailyx_tests::db::TestDb;

async fn session_count(s: &Store) -> i64 {
    let rows = s
        .query_pairs("SELECT 'n', CAST(COUNT(*) AS TEXT) FROM auth_sessions")
        .await
        .unwrap();
    rows[0].1.parse().unwrap()
}

#[tokio::test]
async fn user_names_are_unique_and_updates_unlock() {
    for db in TestDb::both().await {
        let s = &db.store;
        let alice = s
            .create_user("alice", "$argon2id$a", Role::Admin)
            .await
            .unwrap();
        assert_eq!(alice.role(), Role::Admin);
        let taken = s.create_user("alice", "$argon2id$b", Role::Reviewer).await;
        assert!(
            matches!(taken, Err(StoreError::Conflict { .. })),
            "{}: {taken:?}",
            db.label
        );
        s.create_user("bob", "$argon2id$c", Role::Reviewer)
            .await
            .unwrap();
        assert_eq!(s.user_count().await.unwrap(), 2);
        let names: Vec<String> = s
            .users()
            .await
            .unwrap()
            .into_iter()
            .map(|u| u.username)
            .collect();
        assert_eq!(names, ["alice", "bob"], "{}", db.label);

        // Five failures lock; the fifth returns the lock time, earlier ones none.
        for i in 1..=4 {
            let locked = s.record_failed_login(&alice.id, 5, 60_000).await.unwrap();
            assert_eq!(locked, None, "{}: failure {i}", db.label);
        }
        let locked = s.record_failed_login(&alice.id, 5, 60_000).await.unwrap();
        assert!(locked.is_some_and(|t| t > now_ms()), "{}", db.label);
        let stored = s.user_by_name("alice").await.unwrap().unwrap();
        assert_eq!(stored.failed_logins, 5);

        // A success clears the count; `users passwd` replaces hash and role and unlocks.
        s.record_successful_login(&alice.id).await.unwrap();
        let stored = s.user_by_name("alice").await.unwrap().unwrap();
        assert_eq!((stored.failed_logins, stored.locked_until), (0, None));
        for _ in 0..5 {
            s.record_failed_login(&alice.id, 5, 60_000).await.unwrap();
        }
        s.update_user("alice", "$argon2id$new", Role::Reviewer)
            .await
            .unwrap();
        let stored = s.user_by_name("alice").await.unwrap().unwrap();
        assert_eq!(stored.password_hash, "$argon2id$new");
        assert_eq!(stored.role(), Role::Reviewer);
        assert_eq!((stored.failed_logins, stored.locked_until), (0, None));
        assert!(matches!(
            s.update_user("nobody", "x", Role::Admin).await,
            Err(StoreError::NotFound { .. })
        ));
        assert!(s.user_by_name("nobody").await.unwrap().is_none());
        db.finish().await;
    }
}

#[tokio::test]
async fn failures_count_within_a_window_and_never_extend_a_running_lock() {
    for db in TestDb::both().await {
        let s = &db.store;
        let user = s
            .create_user("lena", "$argon2id$l", Role::Reviewer)
            .await
            .unwrap();
        let stored = async || s.user_by_name("lena").await.unwrap().unwrap();
        let age_window = async |by_ms: i64| {
            s.execute_admin(&format!(
                "UPDATE auth_users SET failures_since = failures_since - {by_ms} \
                 WHERE username = 'lena'"
            ))
            .await
            .unwrap();
        };

        // Four failures, then the window (60 s here) runs out: the fifth starts a new one.
        for _ in 0..4 {
            assert_eq!(
                s.record_failed_login(&user.id, 5, 60_000).await.unwrap(),
                None
            );
        }
        age_window(61_000).await;
        assert_eq!(
            s.record_failed_login(&user.id, 5, 60_000).await.unwrap(),
            None
        );
        assert_eq!(stored().await.failed_logins, 1, "{}", db.label);

        // Five within the window lock; more failures while locked leave the lock as it is.
        for _ in 0..4 {
            s.record_failed_login(&user.id, 5, 60_000).await.unwrap();
        }
        let until = stored().await.locked_until.expect("locked");
        assert!(until > now_ms(), "{}", db.label);
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        assert_eq!(
            s.record_failed_login(&user.id, 5, 60_000).await.unwrap(),
            None
        );
        let after = stored().await;
        assert_eq!(
            (after.locked_until, after.failed_logins),
            (Some(until), 5),
            "{}",
            db.label
        );

        // The lock runs out: one more failure is the first of a new window, not a new lock.
        s.execute_admin(&format!(
            "UPDATE auth_users SET locked_until = {} WHERE username = 'lena'",
            now_ms() - 1
        ))
        .await
        .unwrap();
        assert_eq!(
            s.record_failed_login(&user.id, 5, 60_000).await.unwrap(),
            None
        );
        let after = stored().await;
        assert_eq!(
            (after.locked_until, after.failed_logins),
            (None, 1),
            "{}",
            db.label
        );
        db.finish().await;
    }
}

#[tokio::test]
async fn password_and_role_changes_end_the_users_sessions() {
    for db in TestDb::both().await {
        let s = &db.store;
        let rita = s
            .create_user("rita", "$argon2id$r", Role::Reviewer)
            .await
            .unwrap();
        let other = s
            .create_user("otto", "$argon2id$o", Role::Reviewer)
            .await
            .unwrap();
        let later = now_ms() + 60_000;
        let open = async |id: &str, user: &str| {
            s.create_session(id, "csrf", user, None, None, later)
                .await
                .unwrap();
        };
        let live = async |id: &str| s.session(id).await.unwrap().is_some();
        open("rita-1", &rita.id).await;
        open("rita-2", &rita.id).await;
        open("otto-1", &other.id).await;

        // Her own change keeps the session that made it.
        s.change_own_password(&rita.id, "$argon2id$r2", "rita-1")
            .await
            .unwrap();
        assert!(
            live("rita-1").await && !live("rita-2").await,
            "{}",
            db.label
        );
        // A role change ends them all; the same role again changes nothing.
        open("rita-3", &rita.id).await;
        assert!(s.set_user_role("rita", Role::Admin).await.unwrap());
        assert!(
            !live("rita-1").await && !live("rita-3").await,
            "{}",
            db.label
        );
        open("rita-4", &rita.id).await;
        assert!(!s.set_user_role("rita", Role::Admin).await.unwrap());
        assert!(live("rita-4").await, "{}", db.label);
        assert!(matches!(
            s.set_user_role("nobody", Role::Admin).await,
            Err(StoreError::NotFound { .. })
        ));
        // `users passwd` ends them all too.
        s.update_user("rita", "$argon2id$r3", Role::Admin)
            .await
            .unwrap();
        assert!(!live("rita-4").await, "{}", db.label);
        assert!(
            live("otto-1").await,
            "{}: another user's sessions stay",
            db.label
        );
        db.finish().await;
    }
}

#[tokio::test]
async fn sessions_are_stored_hashed_and_end_on_expiry_logout_or_disable() {
    for db in TestDb::both().await {
        let s = &db.store;
        let user = s
            .create_user("rita", "$argon2id$x", Role::Reviewer)
            .await
            .unwrap();
        let live = "session-id-live-0123456789";
        let old = "session-id-old-0123456789";
        s.create_session(
            live,
            "csrf",
            &user.id,
            Some("127.0.0.1"),
            Some("test"),
            now_ms() + 60_000,
        )
        .await
        .unwrap();
        s.create_session(old, "csrf", &user.id, None, None, now_ms() - 1)
            .await
            .unwrap();

        let session = s.session(live).await.unwrap().expect("live session");
        assert_eq!(session.id_hash, sha256_hex(live.as_bytes()));
        assert_eq!(
            (session.username.as_str(), session.role.as_str()),
            ("rita", "reviewer")
        );
        // Only hashes are stored: the raw id is nowhere in the table.
        let raw = s
            .query_pairs("SELECT id_hash, csrf_token_hash FROM auth_sessions")
            .await
            .unwrap();
        assert!(
            raw.iter().all(|(a, b)| a != live && b != "csrf"),
            "{}",
            db.label
        );
        assert!(
            s.session(old).await.unwrap().is_none(),
            "{}: expired",
            db.label
        );
        assert!(s.session("made-up").await.unwrap().is_none());

        assert_eq!(
            s.delete_expired_sessions().await.unwrap(),
            1,
            "{}",
            db.label
        );
        assert_eq!(session_count(s).await, 1);
        s.delete_session(live).await.unwrap();
        assert!(
            s.session(live).await.unwrap().is_none(),
            "{}: logged out",
            db.label
        );

        // A disabled user's sessions stop working at once.
        s.create_session(live, "csrf", &user.id, None, None, now_ms() + 60_000)
            .await
            .unwrap();
        s.execute_admin("UPDATE auth_users SET disabled = TRUE WHERE username = 'rita'")
            .await
            .unwrap();
        assert!(
            s.session(live).await.unwrap().is_none(),
            "{}: disabled",
            db.label
        );
        db.finish().await;
    }
}

#[tokio::test]
async fn audit_entries_page_newest_first_and_filter_by_draft() {
    for db in TestDb::both().await {
        let s = &db.store;
        for (i, draft) in ["d1", "d2", "d1"].into_iter().enumerate() {
            s.audit(&NewAuditEntry {
                user_id: None,
                action: format!("draft.action{i}"),
                draft_id: Some(draft.into()),
                before_hash: Some("a".into()),
                after_hash: Some("b".into()),
                ip: Some("10.0.0.1".into()),
                detail: serde_json::json!({"n": i}),
            })
            .await
            .unwrap();
        }
        let all = s.audit_entries(None, 10, 0).await.unwrap();
        let actions: Vec<&str> = all.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(
            actions,
            ["draft.action2", "draft.action1", "draft.action0"],
            "{}",
            db.label
        );
        let d1 = s.audit_entries(Some("d1"), 10, 0).await.unwrap();
        assert_eq!(d1.len(), 2);
        let second_page = s.audit_entries(None, 1, 1).await.unwrap();
        assert_eq!(second_page[0].action, "draft.action1");
        db.finish().await;
    }
}
