use dailyx_store::{DraftEvent, DraftStatus, StoreError, content_hash};
use dailyx_tests::db::TestDb;
use dailyx_tests::fixtures::{draft_with_verdict, seed_draft};
use std::time::Duration;

const EVENTS: [DraftEvent; 8] = [
    DraftEvent::Approve,
    DraftEvent::Skip,
    DraftEvent::RecheckPassed,
    DraftEvent::PublishSucceeded,
    DraftEvent::DryRunSucceeded,
    DraftEvent::PublishFailed,
    DraftEvent::Resume,
    DraftEvent::Expire,
];

/// Events that lead from a new draft to `status`, and the verdict to start from.
fn path_to(status: DraftStatus) -> (&'static str, Vec<DraftEvent>) {
    use DraftEvent as E;
    use DraftStatus as S;
    match status {
        S::Pending => ("pass", vec![]),
        S::NeedsHumanAttention => ("warn", vec![]),
        S::Publishing => ("pass", vec![E::Approve]),
        S::Posted => ("pass", vec![E::Approve, E::PublishSucceeded]),
        S::DryRunPosted => ("pass", vec![E::Approve, E::DryRunSucceeded]),
        S::Error => ("pass", vec![E::Approve, E::PublishFailed]),
        S::Skipped => ("fail", vec![E::Skip]),
        S::Expired => ("warn", vec![E::Expire]),
    }
}

#[tokio::test]
async fn every_edge_is_written_and_every_illegal_one_refused() {
    for db in TestDb::both().await {
        let s = &db.store;
        let mut legal = 0;
        for from in DraftStatus::ALL {
            for event in EVENTS {
                let (verdict, path) = path_to(from);
                let id = draft_with_verdict(s, verdict).await;
                for e in path {
                    s.transition_draft(&id, e).await.unwrap();
                }
                assert_eq!(s.draft(&id).await.unwrap().status().unwrap(), from);
                let before = s.draft(&id).await.unwrap();
                match (from.apply(event), s.transition_draft(&id, event).await) {
                    (Ok(want), Ok(got)) => {
                        legal += 1;
                        assert_eq!(got, want);
                        let after = s.draft(&id).await.unwrap();
                        assert_eq!(after.status().unwrap(), want);
                        assert_eq!(after.version, before.version + 1);
                    }
                    (Err(_), Err(StoreError::IllegalTransition(e))) => {
                        assert_eq!((e.from, e.event), (from, event));
                        let after = s.draft(&id).await.unwrap();
                        assert_eq!(
                            (after.status.as_str(), after.version),
                            (before.status.as_str(), before.version)
                        );
                    }
                    (want, got) => panic!(
                        "{}: {from} + {event:?}: want {want:?}, got {got:?}",
                        db.label
                    ),
                }
            }
        }
        assert_eq!(legal, 10, "{}", db.label);
        db.finish().await;
    }
}

#[tokio::test]
async fn approval_is_bound_to_the_exact_text_seen() {
    for db in TestDb::both().await {
        let s = &db.store;
        let id = draft_with_verdict(s, "pass").await;
        let draft = s.draft(&id).await.unwrap();
        let hash = content_hash(&["Hook", "Point"]);
        assert_eq!(draft.content_hash, hash);
        let stale = content_hash(&["Hook", "Point", "extra"]);
        assert!(matches!(
            s.approve_draft(&id, "ann", &stale).await,
            Err(StoreError::Conflict { .. })
        ));
        assert_eq!(
            s.draft(&id).await.unwrap().status().unwrap(),
            DraftStatus::Pending
        );
        let approved = s.approve_draft(&id, "ann", &hash).await.unwrap();
        assert_eq!(approved.status().unwrap(), DraftStatus::Publishing);
        assert_eq!(approved.approved_hash.as_deref(), Some(hash.as_str()));
        assert_eq!(approved.approved_by.as_deref(), Some("ann"));
        assert!(approved.approved_at.is_some());
        // Approving twice is a state-machine error, not a second write.
        assert!(matches!(
            s.approve_draft(&id, "bob", &hash).await,
            Err(StoreError::IllegalTransition(_))
        ));
        // A policy WARN starts in needs_human_attention, which cannot be approved directly.
        let warned = draft_with_verdict(s, "warn").await;
        assert!(matches!(
            s.approve_draft(&warned, "ann", &hash).await,
            Err(StoreError::IllegalTransition(_))
        ));
        db.finish().await;
    }
}

#[tokio::test]
async fn tweets_keep_their_order_and_provenance() {
    for db in TestDb::both().await {
        let s = &db.store;
        let id = draft_with_verdict(s, "pass").await;
        let d = s.draft(&id).await.unwrap();
        let got: Vec<_> = d
            .tweets
            .iter()
            .map(|t| (t.position, t.text.as_str(), t.material_ids.0.clone()))
            .collect();
        assert_eq!(
            got,
            [
                (0, "Hook", vec!["m1".to_string()]),
                (1, "Point", vec!["m2".to_string()])
            ]
        );
        let listed = s.drafts(Some(DraftStatus::Pending), 10, 0).await.unwrap();
        assert_eq!(listed.len(), 1);
        assert!(
            s.drafts(Some(DraftStatus::Posted), 10, 0)
                .await
                .unwrap()
                .is_empty()
        );
        assert!(matches!(
            s.draft("missing").await,
            Err(StoreError::NotFound { kind: "draft", .. })
        ));
        db.finish().await;
    }
}

#[tokio::test]
async fn recent_published_texts_join_each_drafts_tweets_newest_first() {
    for db in TestDb::both().await {
        let s = &db.store;
        let pending = draft_with_verdict(s, "pass").await;
        for _ in 0..2 {
            let id = draft_with_verdict(s, "pass").await;
            for e in [DraftEvent::Approve, DraftEvent::DryRunSucceeded] {
                s.transition_draft(&id, e).await.unwrap();
            }
            tokio::time::sleep(Duration::from_millis(3)).await;
        }
        let texts = s.recent_published_texts(10).await.unwrap();
        assert_eq!(
            texts,
            ["Hook\n\nPoint", "Hook\n\nPoint"],
            "{}: only published drafts",
            db.label
        );
        assert_eq!(s.recent_published_texts(1).await.unwrap().len(), 1);
        assert_eq!(
            s.draft(&pending).await.unwrap().status().unwrap(),
            DraftStatus::Pending
        );
        db.finish().await;
    }
}

#[tokio::test]
async fn a_page_of_drafts_carries_each_drafts_tweets_in_order() {
    for db in TestDb::both().await {
        let s = &db.store;
        let single = seed_draft(s, "pass", &["Just one"]).await;
        tokio::time::sleep(Duration::from_millis(3)).await;
        let thread = seed_draft(s, "warn", &["First", "Second", "Third"]).await;
        tokio::time::sleep(Duration::from_millis(3)).await;
        let newest = seed_draft(s, "pass", &["Newest"]).await;

        let page = s.drafts(None, 2, 0).await.unwrap();
        let ids: Vec<&str> = page.iter().map(|d| d.id.as_str()).collect();
        assert_eq!(ids, [newest.as_str(), thread.as_str()], "{}", db.label);
        assert_eq!(page[0].texts(), ["Newest"], "{}", db.label);
        assert_eq!(
            page[1].texts(),
            ["First", "Second", "Third"],
            "{}",
            db.label
        );
        let positions: Vec<i64> = page[1].tweets.iter().map(|t| t.position).collect();
        assert_eq!(positions, [0, 1, 2]);

        let filtered = s.drafts(Some(DraftStatus::Pending), 10, 1).await.unwrap();
        assert_eq!(filtered.len(), 1, "{}: offset past the newest", db.label);
        assert_eq!(filtered[0].id, single);
        assert_eq!(filtered[0].texts(), ["Just one"]);
        assert!(s.drafts(None, 10, 10).await.unwrap().is_empty());
        db.finish().await;
    }
}
