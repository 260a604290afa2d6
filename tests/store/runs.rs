use dailyx_store::{RunStatus, StepEffects, StepOutcome, Store, StoreError};
use dailyx_tests::db::TestDb;
use dailyx_tests::fixtures::{new_run, step};
use std::collections::HashSet;
use std::time::Duration;

const LEASE: Duration = Duration::from_secs(30);

#[tokio::test]
async fn a_claimed_run_is_not_claimed_again_until_its_lease_expires() {
    for db in TestDb::both().await {
        let s = &db.store;
        let run = s.create_run(None, &new_run()).await.unwrap();
        assert_eq!(run.status(), RunStatus::Queued);
        let a = s
            .claim_next_run("a", Duration::from_millis(200))
            .await
            .unwrap()
            .expect("a claims");
        assert_eq!((a.id.as_str(), a.claims), (run.id.as_str(), 1));
        assert!(
            s.claim_next_run("b", LEASE).await.unwrap().is_none(),
            "{}",
            db.label
        );
        // a finishes step 0, then dies; its lease runs out and b resumes at step 1.
        s.complete_step("a", &step(&run.id, 0, "a"), &StepEffects::default())
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(250)).await;
        let b = s
            .claim_next_run("b", LEASE)
            .await
            .unwrap()
            .expect("b reclaims");
        assert_eq!((b.next_step, b.claims), (1, 2), "{}", db.label);
        // a comes back to life: everything it tries is refused, nothing is written.
        let err = s
            .complete_step("a", &step(&run.id, 1, "a"), &StepEffects::default())
            .await;
        assert!(matches!(err, Err(StoreError::LeaseLost { .. })), "{err:?}");
        assert!(matches!(
            s.renew_lease(&run.id, "a", LEASE).await,
            Err(StoreError::LeaseLost { .. })
        ));
        assert!(matches!(
            s.finish_run(&run.id, "a").await,
            Err(StoreError::LeaseLost { .. })
        ));
        assert_eq!(s.step_logs(&run.id).await.unwrap().len(), 1);
        // b cannot record a step twice either.
        let again = s
            .complete_step("b", &step(&run.id, 0, "b"), &StepEffects::default())
            .await;
        assert!(
            matches!(again, Err(StoreError::LeaseLost { .. })),
            "{again:?}"
        );
        s.complete_step("b", &step(&run.id, 1, "b"), &StepEffects::default())
            .await
            .unwrap();
        s.renew_lease(&run.id, "b", LEASE).await.unwrap();
        s.finish_run(&run.id, "b").await.unwrap();
        let done = s.run(&run.id).await.unwrap();
        assert_eq!(done.status(), RunStatus::Succeeded);
        assert_eq!(done.lease_owner, None);
        assert!(done.duration_ms.is_some());
        let logs = s.step_logs(&run.id).await.unwrap();
        let workers: Vec<_> = logs.iter().map(|l| (l.step, l.worker.as_str())).collect();
        assert_eq!(workers, [(0, "a"), (1, "b")]);
        db.finish().await;
    }
}

#[tokio::test]
async fn concurrent_claimers_never_take_the_same_run() {
    for db in TestDb::both().await {
        let mut ids = HashSet::new();
        for _ in 0..24 {
            ids.insert(db.store.create_run(None, &new_run()).await.unwrap().id);
        }
        let mut tasks = Vec::new();
        for w in 0..6 {
            let store: Store = db.store.clone();
            tasks.push(tokio::spawn(async move {
                let mut mine = Vec::new();
                while let Some(run) = store.claim_next_run(&format!("w{w}"), LEASE).await.unwrap() {
                    mine.push(run.id);
                }
                mine
            }));
        }
        let mut claimed = Vec::new();
        for t in tasks {
            claimed.extend(t.await.unwrap());
        }
        let unique: HashSet<_> = claimed.iter().cloned().collect();
        assert_eq!(
            claimed.len(),
            24,
            "{}: a run was claimed twice or missed",
            db.label
        );
        assert_eq!(unique, ids, "{}", db.label);
        db.finish().await;
    }
}

#[tokio::test]
async fn a_failed_run_resumes_at_its_failed_step() {
    for db in TestDb::both().await {
        let s = &db.store;
        let run = s.create_run(None, &new_run()).await.unwrap();
        s.claim_run(&run.id, "a", LEASE)
            .await
            .unwrap()
            .expect("claim by id");
        s.complete_step("a", &step(&run.id, 0, "a"), &StepEffects::default())
            .await
            .unwrap();
        let mut failed = step(&run.id, 1, "a");
        failed.outcome = StepOutcome::Failed;
        failed.output = None;
        failed.error = Some("component `curator` failed: upstream: boom".into());
        s.fail_step("a", &failed, &[]).await.unwrap();
        let r = s.run(&run.id).await.unwrap();
        assert_eq!(r.status(), RunStatus::Failed);
        assert_eq!(
            r.last_error.as_deref(),
            Some("component `curator` failed: upstream: boom")
        );
        assert!(
            s.claim_next_run("b", LEASE).await.unwrap().is_none(),
            "failed runs wait for a person"
        );
        // `dailyx runs resume`: claimed by id, resumed at step 1; the failed log row is replaced.
        let resumed = s
            .claim_run(&run.id, "b", LEASE)
            .await
            .unwrap()
            .expect("resume");
        assert_eq!(resumed.next_step, 1);
        s.complete_step("b", &step(&run.id, 1, "b"), &StepEffects::default())
            .await
            .unwrap();
        let logs = s.step_logs(&run.id).await.unwrap();
        assert_eq!(logs.len(), 2);
        assert_eq!(
            (logs[1].status.as_str(), logs[1].worker.as_str()),
            ("succeeded", "b")
        );
        // A finished run cannot be claimed; a missing one is NotFound.
        s.finish_run(&run.id, "b").await.unwrap();
        assert!(s.claim_run(&run.id, "c", LEASE).await.unwrap().is_none());
        assert!(matches!(
            s.claim_run("nope", "c", LEASE).await,
            Err(StoreError::NotFound { .. })
        ));
        db.finish().await;
    }
}

#[tokio::test]
async fn collected_materials_are_remembered_across_runs() {
    for db in TestDb::both().await {
        let s = &db.store;
        let first = s.create_run(None, &new_run()).await.unwrap();
        s.claim_run(&first.id, "a", LEASE).await.unwrap().unwrap();
        let effects = StepEffects {
            materials: vec![dailyx_store::CollectedMaterial {
                material_id: "git:self:abc".into(),
                kind: "commit".into(),
                source: "self".into(),
            }],
            ..Default::default()
        };
        s.complete_step("a", &step(&first.id, 0, "a"), &effects)
            .await
            .unwrap();
        let second = s.create_run(None, &new_run()).await.unwrap();
        let ids = vec!["git:self:abc".to_string(), "git:self:def".to_string()];
        let seen = s.already_collected(&second.id, &ids).await.unwrap();
        assert_eq!(
            seen,
            HashSet::from(["git:self:abc".to_string()]),
            "{}",
            db.label
        );
        // The run that collected it does not see it as old (a resumed collector step).
        assert!(
            s.already_collected(&first.id, &ids)
                .await
                .unwrap()
                .is_empty()
        );
        db.finish().await;
    }
}
