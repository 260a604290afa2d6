use dailyx_store::{
    AttemptEnd, NewProviderAttempt, NewProviderPost, PostMetricsRow, StoreError, now_ms,
};
use dailyx_tests::db::TestDb;
use dailyx_tests::fixtures::draft_with_verdict;

fn attempt<'a>(
    draft: &'a str,
    position: i64,
    try_number: i64,
    simulated: bool,
) -> NewProviderAttempt<'a> {
    NewProviderAttempt {
        draft_id: draft,
        provider: "mastodon",
        position,
        try_number,
        owner: "node-a",
        lease_ms: 60_000,
        simulated,
        request: "{\"text\":\"Hook\"}",
    }
}

#[tokio::test]
async fn a_provider_post_is_recorded_once_per_draft_provider_and_position() {
    for db in TestDb::both().await {
        let s = &db.store;
        let draft = draft_with_verdict(s, "pass").await;
        let a = s
            .start_provider_attempt(&attempt(&draft, 0, 1, false))
            .await
            .unwrap();
        // A racing publisher's same try is refused.
        assert!(
            matches!(
                s.start_provider_attempt(&attempt(&draft, 0, 1, false))
                    .await,
                Err(StoreError::Conflict { .. })
            ),
            "{}",
            db.label
        );
        // An unknown outcome: another node may take it over only after the lease.
        s.end_provider_attempt(&a.id, "node-a", AttemptEnd::Unconfirmed, "timeout")
            .await
            .unwrap();
        assert!(
            !s.take_over_provider_attempt(&a.id, "node-b", 60_000)
                .await
                .unwrap()
        );
        assert!(
            s.take_over_provider_attempt(&a.id, "node-a", 60_000)
                .await
                .unwrap()
        );
        let latest = s
            .latest_provider_attempt(&draft, "mastodon", 0)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(latest.status, "unconfirmed");
        let post = s
            .record_provider_post(&NewProviderPost {
                attempt: &latest,
                owner: "node-a",
                remote_id: Some("109"),
                url: Some("https://m.example/@d/109"),
                text: "Hook",
            })
            .await
            .unwrap();
        assert_eq!(
            (post.position, post.remote_id.as_deref(), post.simulated),
            (0, Some("109"), false)
        );
        // The post row is unique: a second record of position 0 conflicts.
        let b = s
            .start_provider_attempt(&attempt(&draft, 0, 2, false))
            .await
            .unwrap();
        assert!(matches!(
            s.record_provider_post(&NewProviderPost {
                attempt: &b,
                owner: "node-a",
                remote_id: Some("110"),
                url: None,
                text: "Hook"
            })
            .await,
            Err(StoreError::Conflict { .. })
        ));
        assert_eq!(s.provider_posts(&draft, "mastodon").await.unwrap().len(), 1);
        assert_eq!(
            s.provider_attempts(&draft, "mastodon").await.unwrap().len(),
            2
        );
        // Only real posts count against the budget.
        let c = s
            .start_provider_attempt(&attempt(&draft, 1, 1, true))
            .await
            .unwrap();
        s.record_provider_post(&NewProviderPost {
            attempt: &c,
            owner: "node-a",
            remote_id: None,
            url: None,
            text: "Point",
        })
        .await
        .unwrap();
        assert_eq!(
            s.provider_posts_since("mastodon", now_ms() - 60_000)
                .await
                .unwrap(),
            1
        );
        assert_eq!(s.provider_posts_since("bluesky", 0).await.unwrap(), 0);
        assert_eq!(s.all_provider_posts(&draft).await.unwrap().len(), 2);
        db.finish().await;
    }
}

#[tokio::test]
async fn deliveries_come_due_when_pending_or_their_wait_is_over() {
    for db in TestDb::both().await {
        let s = &db.store;
        let d1 = draft_with_verdict(s, "pass").await;
        let d2 = draft_with_verdict(s, "pass").await;
        let now = now_ms();
        s.set_provider_delivery(&d1, "mastodon", "pending", None, None)
            .await
            .unwrap();
        s.set_provider_delivery(
            &d1,
            "webhook",
            "waiting",
            Some("circuit open"),
            Some(now + 60_000),
        )
        .await
        .unwrap();
        s.set_provider_delivery(&d2, "webhook", "waiting", Some("budget"), Some(now - 1))
            .await
            .unwrap();
        s.set_provider_delivery(&d2, "bluesky", "failed", Some("unauthorized"), None)
            .await
            .unwrap();
        let due: Vec<(String, String)> = s
            .due_provider_deliveries(now, 10)
            .await
            .unwrap()
            .into_iter()
            .map(|d| (d.draft_id, d.provider))
            .collect();
        assert_eq!(due.len(), 2, "{}: {due:?}", db.label);
        assert!(
            due.contains(&(d1.clone(), "mastodon".into()))
                && due.contains(&(d2.clone(), "webhook".into()))
        );
        // Updating keeps one row per draft and provider.
        s.set_provider_delivery(&d1, "mastodon", "delivered", None, None)
            .await
            .unwrap();
        let rows = s.provider_deliveries(&d1).await.unwrap();
        assert_eq!(
            rows.iter().map(|d| d.status.as_str()).collect::<Vec<_>>(),
            ["delivered", "waiting"]
        );
        db.finish().await;
    }
}

#[tokio::test]
async fn the_newest_metrics_snapshot_is_current_and_weekly_reports_are_replaced() {
    for db in TestDb::both().await {
        let s = &db.store;
        let draft = draft_with_verdict(s, "pass").await;
        let row = |remote: &str, impressions: i64, at: i64| PostMetricsRow {
            provider: "x".into(),
            remote_id: remote.into(),
            draft_id: draft.clone(),
            position: 0,
            impressions,
            likes: 1,
            reposts: 0,
            replies: 0,
            quotes: 0,
            bookmarks: 0,
            collected_at: at,
        };
        s.record_post_metrics(&[row("1", 10, 1_000), row("2", 5, 1_000)])
            .await
            .unwrap();
        s.record_post_metrics(&[row("1", 25, 2_000)]).await.unwrap();
        let mut latest = s.latest_post_metrics(0).await.unwrap();
        latest.sort_by(|a, b| a.remote_id.cmp(&b.remote_id));
        assert_eq!(
            latest
                .iter()
                .map(|m| (m.remote_id.as_str(), m.impressions))
                .collect::<Vec<_>>(),
            [("1", 25), ("2", 5)],
            "{}",
            db.label
        );
        assert!(!s.has_weekly_report("2026-11-16").await.unwrap());
        s.save_weekly_report("2026-11-16", "{\"drafts\":1}", None)
            .await
            .unwrap();
        s.save_weekly_report("2026-11-16", "{\"drafts\":2}", Some("admin"))
            .await
            .unwrap();
        s.save_weekly_report("2026-11-09", "{\"drafts\":0}", None)
            .await
            .unwrap();
        let reports = s.weekly_reports(10).await.unwrap();
        assert_eq!(
            reports
                .iter()
                .map(|r| r.week_start.as_str())
                .collect::<Vec<_>>(),
            ["2026-11-16", "2026-11-09"]
        );
        assert_eq!(
            (reports[0].report.as_str(), reports[0].created_by.as_deref()),
            ("{\"drafts\":2}", Some("admin"))
        );
        db.finish().await;
    }
}
