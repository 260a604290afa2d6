//! What reviewers do to drafts, shared by the JSON API and the no-JavaScript action pages:
//! edit (with a policy re-check), approve (policy re-run on the final text, then publishing),
//! skip, regenerate, resume. Each action is audited with the content hash before and after.

use crate::audit::audit;
use crate::error::ApiError;
use crate::state::AppState;
use axum::http::StatusCode;
use dailyx_pipeline::{RecheckError, verdict_name};
use dailyx_runtime::types::{PolicyReport, Tweet, Verdict};
use dailyx_store::{Draft, DraftEvent, DraftTweet, Json, NewAuditEntry, Run};

/// Who acts.
#[derive(Debug, Clone)]
pub struct Actor {
    /// The logged-in user; `None` for an action link.
    pub user_id: Option<String>,
    /// The client's address.
    pub ip: String,
    /// `api` or `action_link`.
    pub via: &'static str,
}

impl Actor {
    fn entry(
        &self,
        action: &str,
        draft: &Draft,
        after: Option<&str>,
        detail: serde_json::Value,
    ) -> NewAuditEntry {
        NewAuditEntry {
            user_id: self.user_id.clone(),
            action: action.to_owned(),
            draft_id: Some(draft.id.clone()),
            before_hash: Some(draft.content_hash.clone()),
            after_hash: after.map(str::to_owned),
            ip: Some(self.ip.clone()),
            detail: merge(serde_json::json!({ "via": self.via }), detail),
        }
    }

    fn name(&self) -> String {
        self.user_id.clone().unwrap_or_else(|| "action_link".into())
    }
}

fn merge(mut a: serde_json::Value, b: serde_json::Value) -> serde_json::Value {
    if let (Some(a), serde_json::Value::Object(b)) = (a.as_object_mut(), b) {
        a.extend(b);
    }
    a
}

/// Most tweets a thread may have.
pub const MAX_TWEETS: usize = 25;

fn validate_texts(texts: &[String]) -> Result<(), ApiError> {
    if texts.is_empty() {
        return Err(ApiError::invalid("a draft needs at least one tweet"));
    }
    if texts.len() > MAX_TWEETS {
        return Err(ApiError::invalid(format!(
            "a thread may have at most {MAX_TWEETS} tweets"
        )));
    }
    if let Some(i) = texts.iter().position(|t| t.trim().is_empty()) {
        return Err(ApiError::invalid(format!("tweet {} is empty", i + 1)));
    }
    if let Some(i) = texts.iter().position(|t| t.len() > 4000) {
        return Err(ApiError::invalid(format!(
            "tweet {} is far too long",
            i + 1
        )));
    }
    Ok(())
}

fn recheck_error(e: RecheckError) -> ApiError {
    tracing::error!(error = %e, "policy re-check failed");
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "policy_unavailable",
        format!("the policy check could not run, so nothing was changed: {e}"),
    )
}

/// Runs the policy on `texts`, keeping each position's materials.
async fn recheck(
    state: &AppState,
    draft: &Draft,
    texts: &[String],
) -> Result<PolicyReport, ApiError> {
    let tweets = texts
        .iter()
        .enumerate()
        .map(|(i, text)| Tweet {
            position: i as u32,
            text: text.clone(),
            material_ids: draft
                .tweets
                .get(i)
                .map(|t| t.material_ids.0.clone())
                .unwrap_or_default(),
        })
        .collect();
    state
        .pipeline
        .recheck(&draft.run_id, tweets)
        .await
        .map_err(recheck_error)
}

/// Runs the policy on proposed `texts` for draft `id` without changing anything: the
/// console's live re-check while a reviewer edits.
pub async fn check(state: &AppState, id: &str, texts: &[String]) -> Result<PolicyReport, ApiError> {
    validate_texts(texts)?;
    let draft = state.store.draft(id).await?;
    recheck(state, &draft, texts).await
}

/// Replaces the draft's text with `texts` if it is still at `version`; the policy re-check's
/// verdict and report are stored with it.
pub async fn edit(
    state: &AppState,
    actor: &Actor,
    id: &str,
    version: i64,
    texts: Vec<String>,
) -> Result<Draft, ApiError> {
    validate_texts(&texts)?;
    let draft = state.store.draft(id).await?;
    if !draft.status()?.is_editable() {
        return Err(dailyx_store::StoreError::NotEditable {
            id: id.to_owned(),
            status: draft.status()?,
        }
        .into());
    }
    if draft.version != version {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "conflict",
            "the draft changed since you loaded it; reload and edit again",
        ));
    }
    let report = recheck(state, &draft, &texts).await?;
    let tweets: Vec<DraftTweet> = texts
        .iter()
        .enumerate()
        .map(|(i, text)| DraftTweet {
            position: i as i64,
            text: text.clone(),
            material_ids: Json(
                draft
                    .tweets
                    .get(i)
                    .map(|t| t.material_ids.0.clone())
                    .unwrap_or_default(),
            ),
            weighted_length: report.weighted_lengths.get(i).copied().map_or(0, i64::from),
        })
        .collect();
    let verdict = verdict_name(report.verdict);
    let report_json = serde_json::to_value(&report).map_err(|_| ApiError::internal())?;
    let edited = state
        .store
        .edit_draft(id, version, &tweets, verdict, &report_json)
        .await?;
    audit(
        state,
        actor.entry(
            "draft.edit",
            &draft,
            Some(&edited.content_hash),
            serde_json::json!({ "verdict": verdict, "status": edited.status }),
        ),
    )
    .await;
    Ok(edited)
}

/// Approves the draft whose text the reviewer saw (`seen_hash`), optionally with an edit
/// first. The policy runs again on the final text; only a PASS moves it to publishing.
pub async fn approve(
    state: &AppState,
    actor: &Actor,
    id: &str,
    seen_hash: &str,
    edit_first: Option<(i64, Vec<String>)>,
) -> Result<Draft, ApiError> {
    let draft = match edit_first {
        Some((version, texts)) => edit(state, actor, id, version, texts).await?,
        None => {
            let draft = state.store.draft(id).await?;
            if draft.content_hash != seen_hash {
                return Err(ApiError::new(
                    StatusCode::CONFLICT,
                    "conflict",
                    "the text changed since you loaded it; review it again",
                ));
            }
            draft
        }
    };
    // Refuse early (with the state machine's message) rather than after a policy call.
    draft
        .status()?
        .apply(DraftEvent::Approve)
        .map_err(dailyx_store::StoreError::from)?;
    let texts: Vec<String> = draft.texts().into_iter().map(str::to_owned).collect();
    let report = recheck(state, &draft, &texts).await?;
    if !matches!(report.verdict, Verdict::Pass) {
        let detail = serde_json::to_value(&report).unwrap_or_default();
        audit(
            state,
            actor.entry(
                "draft.approve_refused",
                &draft,
                None,
                serde_json::json!({ "verdict": verdict_name(report.verdict) }),
            ),
        )
        .await;
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "policy_failed",
            format!(
                "the policy check of the final text is {}, not pass; edit the draft first",
                verdict_name(report.verdict)
            ),
        )
        .with_detail(detail));
    }
    let approved = state
        .store
        .approve_draft(id, &actor.name(), &draft.content_hash)
        .await?;
    audit(
        state,
        actor.entry(
            "draft.approve",
            &draft,
            Some(&approved.content_hash),
            serde_json::json!({}),
        ),
    )
    .await;
    tracing::info!(draft_id = %id, "draft approved; publishing");
    state.wake.publish.notify_one();
    Ok(approved)
}

/// Skips the draft.
pub async fn skip(state: &AppState, actor: &Actor, id: &str) -> Result<Draft, ApiError> {
    let draft = state.store.draft(id).await?;
    state.store.transition_draft(id, DraftEvent::Skip).await?;
    audit(
        state,
        actor.entry(
            "draft.skip",
            &draft,
            Some(&draft.content_hash),
            serde_json::json!({}),
        ),
    )
    .await;
    Ok(state.store.draft(id).await?)
}

/// Skips the draft (if still under review) and queues a run writing about the same
/// materials again.
pub async fn regenerate(state: &AppState, actor: &Actor, id: &str) -> Result<Run, ApiError> {
    let draft = state.store.draft(id).await?;
    let status = draft.status()?;
    if !status.is_editable() {
        return Err(dailyx_store::StoreError::NotEditable {
            id: id.to_owned(),
            status,
        }
        .into());
    }
    state.store.transition_draft(id, DraftEvent::Skip).await?;
    let run = state
        .pipeline
        .regenerate(&draft.run_id)
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "cannot queue a regeneration");
            ApiError::internal()
        })?;
    audit(
        state,
        actor.entry(
            "draft.regenerate",
            &draft,
            None,
            serde_json::json!({ "run_id": run.id }),
        ),
    )
    .await;
    state.wake.runs.notify_one();
    Ok(run)
}

/// Resumes publishing a draft that failed to publish; it continues at its first unposted
/// position.
pub async fn resume(state: &AppState, actor: &Actor, id: &str) -> Result<Draft, ApiError> {
    let draft = state.store.draft(id).await?;
    state.store.transition_draft(id, DraftEvent::Resume).await?;
    audit(
        state,
        actor.entry(
            "draft.resume",
            &draft,
            Some(&draft.content_hash),
            serde_json::json!({}),
        ),
    )
    .await;
    state.wake.publish.notify_one();
    Ok(state.store.draft(id).await?)
}
