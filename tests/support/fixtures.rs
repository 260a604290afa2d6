//! Store fixtures: runs, steps and drafts made through the store's own API, as the pipeline
//! makes them.

use dailyx_store::{
    DraftTweet, NewDraft, NewRun, StepEffects, StepOutcome, StepRecord, Store, new_id,
};
use sqlx::types::Json;
use std::time::Duration;

pub fn new_run() -> NewRun {
    NewRun {
        trigger: "cli".into(),
        run_date: "2026-11-22".into(),
        context: serde_json::json!({"dry-run": true}),
        scheduled_slot: None,
        regenerates: None,
    }
}

pub fn step(run_id: &str, step: i64, worker: &str) -> StepRecord {
    StepRecord {
        run_id: run_id.into(),
        step,
        stage: "collector".into(),
        component_name: "collector".into(),
        component_version: Some("0.1.0".into()),
        component_digest: Some("ab".repeat(32)),
        outcome: StepOutcome::Succeeded,
        input: serde_json::json!({"stage": "collect"}),
        output: Some(serde_json::json!({"materials": []})),
        summary: "0 materials".into(),
        warnings: vec![],
        error: None,
        model_used: None,
        prompt_tokens: 0,
        completion_tokens: 0,
        fuel_used: None,
        attempts: 1,
        started_at: 1,
        duration_us: 10,
        worker: worker.into(),
    }
}

/// A run whose policy step created a draft with `verdict` and two tweets; returns its id.
pub async fn draft_with_verdict(s: &Store, verdict: &str) -> String {
    seed_draft(s, verdict, &["Hook", "Point"]).await
}

/// A run whose policy step created a draft with `verdict` and `texts` as its tweets (a
/// thread when there are several); returns the draft's id.
pub async fn seed_draft(s: &Store, verdict: &str, texts: &[&str]) -> String {
    let run = s.create_run(None, &new_run()).await.unwrap();
    s.claim_run(&run.id, "w", Duration::from_secs(30))
        .await
        .unwrap()
        .unwrap();
    let id = new_id();
    let tweets = texts
        .iter()
        .enumerate()
        .map(|(i, text)| DraftTweet {
            position: i as i64,
            text: (*text).into(),
            material_ids: Json(vec![format!("m{}", i + 1)]),
            weighted_length: text.chars().count() as i64,
        })
        .collect();
    let draft = NewDraft {
        id: id.clone(),
        format: if texts.len() > 1 { "thread" } else { "single" }.into(),
        tweets,
        verdict: verdict.into(),
        policy_report: serde_json::json!({"verdict": verdict}),
        critique: None,
        model_used: "none".into(),
        expires_at: None,
    };
    let effects = StepEffects {
        draft: Some(draft),
        ..Default::default()
    };
    s.complete_step("w", &step(&run.id, 0, "w"), &effects)
        .await
        .unwrap();
    assert_eq!(
        s.run(&run.id).await.unwrap().draft_id.as_deref(),
        Some(id.as_str())
    );
    id
}
