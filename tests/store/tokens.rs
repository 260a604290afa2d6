use dailyx_store::{NewActionToken, content_hash};
use dailyx_tests::db::TestDb;
use dailyx_tests::fixtures::draft_with_verdict;
use std::time::Duration;

#[tokio::test]
async fn action_tokens_are_stored_hashed_and_used_once() {
    for db in TestDb::both().await {
        let s = &db.store;
        let draft = draft_with_verdict(s, "pass").await;
        let token = NewActionToken {
            draft_id: draft.clone(),
            action: "approve".into(),
            content_hash: content_hash(&["Hook", "Point"]),
            ttl: Duration::from_secs(600),
        };
        let raw = s.mint_action_token(&token).await.unwrap();
        assert_eq!(raw.len(), 64);
        let peeked = s.peek_action_token(&raw).await.unwrap().expect("valid");
        assert_ne!(peeked.token_hash, raw, "the token itself is never stored");
        assert_eq!(peeked.token_hash, dailyx_store::sha256_hex(raw.as_bytes()));
        // Two concurrent uses: exactly one wins.
        let (a, b) = tokio::join!(s.use_action_token(&raw), s.use_action_token(&raw));
        assert_eq!(
            [a.unwrap().is_some(), b.unwrap().is_some()]
                .iter()
                .filter(|x| **x)
                .count(),
            1
        );
        assert!(s.peek_action_token(&raw).await.unwrap().is_none());
        // An expired token is useless.
        let short = NewActionToken {
            ttl: Duration::from_millis(1),
            ..token
        };
        let raw = s.mint_action_token(&short).await.unwrap();
        tokio::time::sleep(Duration::from_millis(5)).await;
        assert!(
            s.use_action_token(&raw).await.unwrap().is_none(),
            "{}",
            db.label
        );
        assert!(s.use_action_token("not-a-token").await.unwrap().is_none());
        db.finish().await;
    }
}
