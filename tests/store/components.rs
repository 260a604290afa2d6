//! Component history, upgrade confirmations and eval reports, on both backends.

use dailyx_store::{NewActivation, UpgradeConfirmation};
use dailyx_tests::db::TestDb;

fn activation<'a>(
    version: &'a str,
    digest: &'a str,
    bytes: &'a [u8],
    action: &'a str,
) -> NewActivation<'a> {
    NewActivation {
        name: "writer",
        version,
        digest,
        world: "writer",
        signed_form: "{\"name\":\"writer\"}",
        signature: Some("{\"alg\":\"ed25519\"}"),
        bytes,
        action,
        actor: "system (start)",
    }
}

#[tokio::test]
async fn the_history_keeps_every_version_and_its_bytes_once_by_digest() {
    for db in TestDb::both().await {
        let s = &db.store;
        assert!(
            s.newest_activation("writer").await.unwrap().is_none(),
            "{}",
            db.label
        );
        let v1 = [0u8, 97, 115, 109, 1];
        let v2 = [0u8, 97, 115, 109, 2];
        s.record_activation(&activation("0.1.0", "sha256:01", &v1, "activate"))
            .await
            .unwrap();
        s.record_activation(&activation("0.2.0", "sha256:02", &v2, "activate"))
            .await
            .unwrap();
        // Rolling back records a new row for the same digest; the bytes are stored once.
        s.record_activation(&activation("0.1.0", "sha256:01", &v1, "rollback"))
            .await
            .unwrap();

        let history = s.component_history("writer").await.unwrap();
        let rows: Vec<(&str, &str)> = history
            .iter()
            .map(|a| (a.version.as_str(), a.action.as_str()))
            .collect();
        assert_eq!(
            rows,
            [
                ("0.1.0", "rollback"),
                ("0.2.0", "activate"),
                ("0.1.0", "activate")
            ],
            "{}",
            db.label
        );
        let newest = s.newest_activation("writer").await.unwrap().unwrap();
        assert_eq!(
            (newest.digest.as_str(), newest.action.as_str()),
            ("sha256:01", "rollback")
        );
        assert_eq!(newest.signature.as_deref(), Some("{\"alg\":\"ed25519\"}"));
        assert_eq!(
            s.component_blob("sha256:01").await.unwrap().as_deref(),
            Some(&v1[..])
        );
        assert_eq!(
            s.component_blob("sha256:02").await.unwrap().as_deref(),
            Some(&v2[..])
        );
        assert!(s.component_blob("sha256:ff").await.unwrap().is_none());
        assert!(s.component_history("critic").await.unwrap().is_empty());
        db.finish().await;
    }
}

#[tokio::test]
async fn confirmations_are_kept_once_and_eval_reports_newest_first() {
    for db in TestDb::both().await {
        let s = &db.store;
        let c = UpgradeConfirmation {
            name: "writer".into(),
            digest: "sha256:02".into(),
            form_digest: "sha256:f0".into(),
            changes: "[{\"what\":\"grants.http.allow https://a.example\"}]".into(),
            confirmed_by: "admin".into(),
            at: 1,
        };
        s.record_confirmation(&c).await.unwrap();
        // The same confirmation again (a retried request) keeps the first.
        s.record_confirmation(&UpgradeConfirmation {
            confirmed_by: "other".into(),
            ..c.clone()
        })
        .await
        .unwrap();
        // The same bytes with another entry is another confirmation.
        s.record_confirmation(&UpgradeConfirmation {
            form_digest: "sha256:f1".into(),
            ..c.clone()
        })
        .await
        .unwrap();
        let kept = s.confirmations().await.unwrap();
        assert_eq!(kept.len(), 2, "{}", db.label);
        assert_eq!(kept[0].confirmed_by, "admin");

        s.record_eval("writer", "0.2.0", "sha256:02", true, "{\"passed\":true}")
            .await
            .unwrap();
        s.record_eval("writer", "0.3.0", "sha256:03", false, "{\"passed\":false}")
            .await
            .unwrap();
        s.record_eval("critic", "0.1.0", "sha256:c1", true, "{}")
            .await
            .unwrap();
        let evals = s.component_evals("writer", 20).await.unwrap();
        let seen: Vec<(&str, bool)> = evals
            .iter()
            .map(|e| (e.version.as_str(), e.passed))
            .collect();
        assert_eq!(seen, [("0.3.0", false), ("0.2.0", true)], "{}", db.label);
        assert_eq!(s.component_evals("writer", 1).await.unwrap().len(), 1);
        db.finish().await;
    }
}
