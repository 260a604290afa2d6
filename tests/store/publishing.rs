//! The records behind exactly-once publishing: attempts (idempotency key, lease, take-over,
//! fencing) and posts (one per draft and position), on both backends.

use dailyx_store::{AttemptEnd, NewAttempt, PostedTweet, Store, StoreError};
use dailyx_tests::db::TestDb;
use dailyx_tests::fixtures::draft_with_verdict;

fn attempt<'a>(draft: &'a str, position: i64, try_number: i64, owner: &'a str) -> NewAttempt<'a> {
    NewAttempt {
        draft_id: draft,
        position,
        try_number,
        owner,
        lease_ms: 60_000,
        dry_run: false,
        request: r#"{"text":"Hook"}"#,
    }
}

fn posted<'a>(
    attempt_id: &'a str,
    owner: &'a str,
    draft: &'a str,
    position: i64,
) -> PostedTweet<'a> {
    PostedTweet {
        attempt_id,
        owner,
        draft_id: draft,
        position,
        x_post_id: Some("1800000000000000001"),
        text: "Hook",
        payload: r#"{"text":"Hook"}"#,
        dry_run: false,
    }
}

/// Makes the lease of attempt `id` run out now.
async fn expire_lease(s: &Store, id: &str) {
    // Test-only: the id is a generated uuid, not input.
    let sql = format!("UPDATE publish_attempts SET lease_expires_at = 0 WHERE id = '{id}'");
    s.execute_admin(&sql).await.unwrap();
}

#[tokio::test]
async fn one_try_per_key_and_only_the_lease_holder_records_it() {
    for db in TestDb::both().await {
        let s = &db.store;
        let draft = draft_with_verdict(s, "pass").await;
        let first = s
            .start_attempt(&attempt(&draft, 0, 1, "node-a"))
            .await
            .unwrap();
        assert_eq!(first.idempotency_key, format!("{draft}/0/1"));
        assert_eq!(first.status, "in_progress");
        assert_eq!(first.request.as_deref(), Some(r#"{"text":"Hook"}"#));

        // A racing publisher cannot start the same try.
        let racing = s.start_attempt(&attempt(&draft, 0, 1, "node-b")).await;
        assert!(
            matches!(racing, Err(StoreError::Conflict { .. })),
            "{}: {racing:?}",
            db.label
        );
        // Nor take over a call whose lease is live, nor record it, renew it or end it.
        assert!(
            !s.take_over_attempt(&first.id, "node-b", 60_000)
                .await
                .unwrap()
        );
        for result in [
            s.record_post(&posted(&first.id, "node-b", &draft, 0))
                .await
                .map(|_| ()),
            s.renew_attempt(&first.id, "node-b", 60_000).await,
            s.end_attempt(&first.id, "node-b", AttemptEnd::Failed, "x")
                .await,
        ] {
            assert!(
                matches!(result, Err(StoreError::Conflict { .. })),
                "{}",
                db.label
            );
        }
        assert!(
            s.posts(&draft).await.unwrap().is_empty(),
            "{}: nothing written",
            db.label
        );

        let post = s
            .record_post(&posted(&first.id, "node-a", &draft, 0))
            .await
            .unwrap();
        assert_eq!(post.x_post_id.as_deref(), Some("1800000000000000001"));
        let done = s.latest_attempt(&draft, 0).await.unwrap().unwrap();
        assert_eq!(done.status, "succeeded");
        assert_eq!(done.x_post_id.as_deref(), Some("1800000000000000001"));
        // A finished attempt cannot be recorded twice.
        let again = s.record_post(&posted(&first.id, "node-a", &draft, 0)).await;
        assert!(
            matches!(again, Err(StoreError::Conflict { .. })),
            "{}",
            db.label
        );
        db.finish().await;
    }
}

#[tokio::test]
async fn a_second_post_for_a_position_writes_nothing() {
    for db in TestDb::both().await {
        let s = &db.store;
        let draft = draft_with_verdict(s, "pass").await;
        let first = s
            .start_attempt(&attempt(&draft, 0, 1, "node-a"))
            .await
            .unwrap();
        s.record_post(&posted(&first.id, "node-a", &draft, 0))
            .await
            .unwrap();

        // A confused second try of the same position: the posts row is unique, and the
        // attempt's success is rolled back with it.
        let second = s
            .start_attempt(&attempt(&draft, 0, 2, "node-a"))
            .await
            .unwrap();
        let dup = s
            .record_post(&posted(&second.id, "node-a", &draft, 0))
            .await;
        assert!(
            matches!(dup, Err(StoreError::Conflict { .. })),
            "{}: {dup:?}",
            db.label
        );
        assert_eq!(s.posts(&draft).await.unwrap().len(), 1);
        let second = s.latest_attempt(&draft, 0).await.unwrap().unwrap();
        assert_eq!(
            (second.try_number, second.status.as_str()),
            (2, "in_progress"),
            "{}",
            db.label
        );
        db.finish().await;
    }
}

#[tokio::test]
async fn a_dead_owners_call_is_taken_over_once_and_the_old_owner_is_fenced_off() {
    for db in TestDb::both().await {
        let s = &db.store;
        let draft = draft_with_verdict(s, "pass").await;
        let first = s
            .start_attempt(&attempt(&draft, 1, 1, "node-a"))
            .await
            .unwrap();
        expire_lease(s, &first.id).await;

        // Two publishers find the expired call: exactly one takes it over.
        let (b, c) = tokio::join!(
            s.take_over_attempt(&first.id, "node-b", 60_000),
            s.take_over_attempt(&first.id, "node-c", 60_000),
        );
        assert!(b.unwrap() ^ c.unwrap(), "{}: exactly one winner", db.label);
        let taken = s.latest_attempt(&draft, 1).await.unwrap().unwrap();
        assert_eq!(taken.status, "unconfirmed");
        let winner = taken.lease_owner.clone().unwrap();
        assert!(winner == "node-b" || winner == "node-c");

        // The old owner wakes up after X answered: its record is refused.
        let late = s.record_post(&posted(&first.id, "node-a", &draft, 1)).await;
        assert!(
            matches!(late, Err(StoreError::Conflict { .. })),
            "{}",
            db.label
        );
        assert!(s.posts(&draft).await.unwrap().is_empty());

        // The winner may take its own unconfirmed attempt again (a retry of reconciling) and
        // renew it; after reconciling "not posted" it ends it as failed.
        assert!(
            s.take_over_attempt(&first.id, &winner, 60_000)
                .await
                .unwrap()
        );
        s.renew_attempt(&first.id, &winner, 60_000).await.unwrap();
        s.end_attempt(
            &first.id,
            &winner,
            AttemptEnd::Failed,
            "not on the timeline",
        )
        .await
        .unwrap();
        let ended = s.latest_attempt(&draft, 1).await.unwrap().unwrap();
        assert_eq!(ended.status, "failed");
        assert_eq!(ended.error.as_deref(), Some("not on the timeline"));
        assert!(
            !s.take_over_attempt(&first.id, &winner, 60_000)
                .await
                .unwrap(),
            "{}: final",
            db.label
        );

        // Unconfirmed with a live lease belongs to its holder alone.
        let next = s
            .start_attempt(&attempt(&draft, 1, 2, &winner))
            .await
            .unwrap();
        s.end_attempt(&next.id, &winner, AttemptEnd::Unconfirmed, "timeout")
            .await
            .unwrap();
        assert!(
            !s.take_over_attempt(&next.id, "node-z", 60_000)
                .await
                .unwrap()
        );
        assert_eq!(s.publish_attempts(&draft).await.unwrap().len(), 2);
        db.finish().await;
    }
}

#[tokio::test]
async fn the_daily_budget_counts_real_posts_only() {
    for db in TestDb::both().await {
        let s = &db.store;
        let draft = draft_with_verdict(s, "pass").await;
        let real = s.start_attempt(&attempt(&draft, 0, 1, "n")).await.unwrap();
        s.record_post(&posted(&real.id, "n", &draft, 0))
            .await
            .unwrap();
        let mut dry = attempt(&draft, 1, 1, "n");
        dry.dry_run = true;
        let dry = s.start_attempt(&dry).await.unwrap();
        let mut p = posted(&dry.id, "n", &draft, 1);
        p.dry_run = true;
        p.x_post_id = None;
        s.record_post(&p).await.unwrap();
        assert_eq!(s.posts_since(0).await.unwrap(), 1, "{}", db.label);
        assert_eq!(s.posts_since(i64::MAX).await.unwrap(), 0);
        db.finish().await;
    }
}
