//! Reviewer edits, review-window expiry, the scheduler lease and notification deliveries, on
//! both backends.

use dailyx_store::{DraftEvent, DraftStatus, DraftTweet, Json, StoreError, content_hash};
use dailyx_tests::db::TestDb;
use dailyx_tests::fixtures::draft_with_verdict;

fn tweets(texts: &[&str]) -> Vec<DraftTweet> {
    texts
        .iter()
        .enumerate()
        .map(|(i, t)| DraftTweet {
            position: i as i64,
            text: (*t).into(),
            material_ids: Json(vec![]),
            weighted_length: t.chars().count() as i64,
        })
        .collect()
}

#[tokio::test]
async fn an_edit_is_one_compare_and_set_on_the_version() {
    for db in TestDb::both().await {
        let s = &db.store;
        let id = draft_with_verdict(s, "warn").await;
        let before = s.draft(&id).await.unwrap();
        assert_eq!(before.status().unwrap(), DraftStatus::NeedsHumanAttention);

        // A passing edit of a flagged draft makes it pending, with the new text and hash.
        let report = serde_json::json!({"verdict": "pass"});
        let edited = s
            .edit_draft(
                &id,
                before.version,
                &tweets(&["New hook", "New point", "Third"]),
                "pass",
                &report,
            )
            .await
            .unwrap();
        assert_eq!(
            edited.status().unwrap(),
            DraftStatus::Pending,
            "{}",
            db.label
        );
        assert_eq!(edited.texts(), ["New hook", "New point", "Third"]);
        assert_eq!(
            edited.content_hash,
            content_hash(&["New hook", "New point", "Third"])
        );
        assert_eq!(edited.version, before.version + 1);
        assert_eq!(edited.verdict, "pass");

        // A second reviewer still holding the old version is refused and changes nothing.
        let stale = s
            .edit_draft(&id, before.version, &tweets(&["Other"]), "pass", &report)
            .await;
        assert!(
            matches!(stale, Err(StoreError::Conflict { .. })),
            "{}: {stale:?}",
            db.label
        );
        assert_eq!(
            s.draft(&id).await.unwrap().texts(),
            ["New hook", "New point", "Third"]
        );

        // A failing edit of a pending draft keeps it pending with the failing verdict (the
        // approval re-check refuses it later).
        let failing = s
            .edit_draft(
                &id,
                edited.version,
                &tweets(&["bad"]),
                "fail",
                &serde_json::json!({"verdict": "fail"}),
            )
            .await
            .unwrap();
        assert_eq!(failing.status().unwrap(), DraftStatus::Pending);
        assert_eq!(failing.verdict, "fail");

        // Once approved the text is frozen.
        s.transition_draft(&id, DraftEvent::Approve).await.unwrap();
        let frozen = s
            .edit_draft(
                &id,
                failing.version + 1,
                &tweets(&["late"]),
                "pass",
                &report,
            )
            .await;
        assert!(
            matches!(frozen, Err(StoreError::NotEditable { .. })),
            "{}: {frozen:?}",
            db.label
        );
        assert_eq!(s.draft(&id).await.unwrap().texts(), ["bad"]);
        db.finish().await;
    }
}

#[tokio::test]
async fn only_drafts_awaiting_review_past_their_window_expire() {
    for db in TestDb::both().await {
        let s = &db.store;
        let overdue_pending = draft_with_verdict(s, "pass").await;
        let overdue_flagged = draft_with_verdict(s, "warn").await;
        let in_window = draft_with_verdict(s, "pass").await;
        let no_window = draft_with_verdict(s, "pass").await;
        let approved = draft_with_verdict(s, "pass").await;
        s.transition_draft(&approved, DraftEvent::Approve)
            .await
            .unwrap();
        for (id, at) in [
            (&overdue_pending, "1"),
            (&overdue_flagged, "1"),
            (&approved, "1"),
            (&in_window, "99999999999999"),
        ] {
            s.execute_admin(&format!(
                "UPDATE drafts SET expires_at = {at} WHERE id = '{id}'"
            ))
            .await
            .unwrap();
        }
        let mut expired = s.expire_drafts().await.unwrap();
        expired.sort();
        let mut want = vec![overdue_pending.clone(), overdue_flagged.clone()];
        want.sort();
        assert_eq!(expired, want, "{}", db.label);
        for (id, status) in [
            (&overdue_pending, DraftStatus::Expired),
            (&overdue_flagged, DraftStatus::Expired),
            (&in_window, DraftStatus::Pending),
            (&no_window, DraftStatus::Pending),
            (&approved, DraftStatus::Publishing),
        ] {
            assert_eq!(
                s.draft(id).await.unwrap().status().unwrap(),
                status,
                "{}",
                db.label
            );
        }
        assert!(
            s.expire_drafts().await.unwrap().is_empty(),
            "{}: once",
            db.label
        );
        db.finish().await;
    }
}

#[tokio::test]
async fn one_lease_holder_at_a_time_until_it_expires_or_is_released() {
    for db in TestDb::both().await {
        let s = &db.store;
        let (a, b) = tokio::join!(
            s.acquire_lease("scheduler", "node-a", 60_000),
            s.acquire_lease("scheduler", "node-b", 60_000),
        );
        assert!(a.unwrap() ^ b.unwrap(), "{}: exactly one holder", db.label);
        let holder = s.lease_holder("scheduler").await.unwrap().unwrap();
        let other = if holder == "node-a" {
            "node-b"
        } else {
            "node-a"
        };
        assert!(
            s.acquire_lease("scheduler", &holder, 60_000).await.unwrap(),
            "renewal"
        );
        assert!(!s.acquire_lease("scheduler", other, 60_000).await.unwrap());

        // Released: the other node takes it.
        s.release_lease("scheduler", other).await.unwrap();
        assert_eq!(
            s.lease_holder("scheduler").await.unwrap().as_deref(),
            Some(holder.as_str())
        );
        s.release_lease("scheduler", &holder).await.unwrap();
        assert_eq!(s.lease_holder("scheduler").await.unwrap(), None);
        assert!(s.acquire_lease("scheduler", other, 0).await.unwrap());
        // Expired (a lease of 0 ms): anyone may take it.
        assert_eq!(
            s.lease_holder("scheduler").await.unwrap(),
            None,
            "{}",
            db.label
        );
        assert!(s.acquire_lease("scheduler", &holder, 60_000).await.unwrap());
        assert_eq!(
            s.lease_holder("scheduler").await.unwrap().as_deref(),
            Some(holder.as_str())
        );
        // Leases are per name.
        assert!(s.acquire_lease("other-job", other, 60_000).await.unwrap());
        db.finish().await;
    }
}

#[tokio::test]
async fn deliveries_are_recorded_per_channel_with_their_outcome() {
    for db in TestDb::both().await {
        let s = &db.store;
        let draft = draft_with_verdict(s, "pass").await;
        s.record_delivery(&draft, "smtp", true, 1, None, 1)
            .await
            .unwrap();
        s.record_delivery(&draft, "sendgrid", false, 4, Some("HTTP 503"), 2)
            .await
            .unwrap();
        let rows = s.deliveries(&draft).await.unwrap();
        let seen: Vec<(&str, &str, i64, Option<&str>)> = rows
            .iter()
            .map(|d| {
                (
                    d.channel.as_str(),
                    d.status.as_str(),
                    d.attempts,
                    d.error.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            seen,
            [
                ("smtp", "sent", 1, None),
                ("sendgrid", "failed", 4, Some("HTTP 503"))
            ],
            "{}",
            db.label
        );
        assert!(s.deliveries("other").await.unwrap().is_empty());
        db.finish().await;
    }
}

#[tokio::test]
async fn the_drafts_revision_changes_with_every_write_a_reviewer_can_see() {
    for db in TestDb::both().await {
        let s = &db.store;
        let empty = s.draft_summary().await.unwrap();
        assert!(empty.counts.is_empty());
        let id = draft_with_verdict(s, "warn").await;
        let mut seen = vec![empty.revision];
        let mut expect_new = |summary: dailyx_store::DraftSummary, what: &str| {
            assert!(
                !seen.contains(&summary.revision),
                "{}: {what} left the revision at {}",
                db.label,
                summary.revision
            );
            seen.push(summary.revision);
        };
        expect_new(s.draft_summary().await.unwrap(), "a new draft");

        let v = s.draft(&id).await.unwrap().version;
        let report = serde_json::json!({"verdict": "pass"});
        s.edit_draft(&id, v, &tweets(&["Edited"]), "pass", &report)
            .await
            .unwrap();
        expect_new(s.draft_summary().await.unwrap(), "an edit");
        s.transition_draft(&id, DraftEvent::Approve).await.unwrap();
        expect_new(s.draft_summary().await.unwrap(), "an approval");
        s.fail_publishing(&id, "X said 403").await.unwrap();
        let failed = s.draft(&id).await.unwrap();
        assert_eq!(failed.status().unwrap(), DraftStatus::Error);
        assert_eq!(
            failed.last_error.as_deref(),
            Some("X said 403"),
            "{}",
            db.label
        );
        let summary = s.draft_summary().await.unwrap();
        assert_eq!(summary.counts, [("error".to_string(), 1)]);
        expect_new(summary, "a publish failure");
        s.transition_draft(&id, DraftEvent::Resume).await.unwrap();
        let resumed = s.draft(&id).await.unwrap();
        assert_eq!(resumed.last_error, None, "{}: cleared on resume", db.label);
        expect_new(s.draft_summary().await.unwrap(), "a resume");

        // Stable while nothing changes.
        assert_eq!(
            s.draft_summary().await.unwrap().revision,
            s.draft_summary().await.unwrap().revision
        );
        db.finish().await;
    }
}
