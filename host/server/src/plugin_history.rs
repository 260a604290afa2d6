//! Component history: records every newly activated version (who, when, how, and the bytes by
//! digest) and finds the version a rollback restores.

use dailyx_runtime::{ActivatedVersion, RollbackError, Runtime, VersionSnapshot};
use dailyx_store::{Activation, NewActivation, NewAuditEntry, Store, StoreError};
use std::sync::Arc;
use tokio::sync::mpsc::UnboundedReceiver;

/// Why no version to restore was found.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    /// Nothing was ever activated under this name.
    #[error("component `{0}` has no recorded history")]
    NoHistory(String),
    /// No recorded version matches `--to`.
    #[error("component `{name}` has no recorded version matching `{to}`")]
    NoSuchVersion {
        #[allow(missing_docs)]
        name: String,
        #[allow(missing_docs)]
        to: String,
    },
    /// Only the current version was ever activated.
    #[error("component `{0}` has no earlier version to roll back to")]
    NothingEarlier(String),
    /// The bytes of a recorded version are missing.
    #[error("the bytes of {0} are missing from the history")]
    MissingBlob(String),
    #[allow(missing_docs)]
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Records `a` unless it is the version the history already has as the newest for its name
/// (every start loads every component; only changes are history). Returns whether it recorded.
pub async fn record(store: &Store, a: &ActivatedVersion) -> Result<bool, StoreError> {
    let newest = store.newest_activation(&a.id.name).await?;
    if a.action == "activate"
        && newest.is_some_and(|n| n.digest == a.id.digest && n.signed_form == a.signed_form)
    {
        return Ok(false);
    }
    store
        .record_activation(&NewActivation {
            name: &a.id.name,
            version: &a.id.version,
            digest: &a.id.digest,
            world: a.world.world(),
            signed_form: &a.signed_form,
            signature: a.signature.as_deref(),
            bytes: &a.bytes,
            action: a.action,
            actor: &a.actor,
        })
        .await?;
    store
        .audit(&NewAuditEntry {
            action: format!("plugins.{}", a.action),
            detail: serde_json::json!({
                "component": a.id.name,
                "version": a.id.version,
                "digest": a.id.digest,
                "actor": a.actor,
            }),
            ..Default::default()
        })
        .await?;
    Ok(true)
}

/// Records what arrives on `rx` until every sender is gone.
pub fn spawn_recorder(
    store: Store,
    mut rx: UnboundedReceiver<ActivatedVersion>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        while let Some(a) = rx.recv().await {
            if let Err(e) = record(&store, &a).await {
                tracing::error!(component = %a.id.name, error = %e, "cannot record the component's activation");
            }
        }
    })
}

/// Whether `a` is the recorded version `to` names: its version, or its digest (with or without
/// `sha256:`, or a prefix of at least 8 hex digits).
fn matches(a: &Activation, to: &str) -> bool {
    let hex = a.digest.trim_start_matches("sha256:");
    let want = to.trim_start_matches("sha256:").to_ascii_lowercase();
    a.version == to || (want.len() >= 8 && hex.starts_with(&want))
}

/// The version a rollback of `name` restores: the newest recorded one matching `to`, or by
/// default the newest that differs from `current` (digest and entry; default: the newest
/// recorded version).
pub async fn rollback_target(
    store: &Store,
    name: &str,
    to: Option<&str>,
    current: Option<(&str, &str)>,
) -> Result<VersionSnapshot, HistoryError> {
    let history = store.component_history(name).await?;
    let Some(newest) = history.first() else {
        return Err(HistoryError::NoHistory(name.to_owned()));
    };
    let (digest, form) = current.unwrap_or((newest.digest.as_str(), newest.signed_form.as_str()));
    let target =
        match to {
            Some(to) => history.iter().find(|a| matches(a, to)).ok_or_else(|| {
                HistoryError::NoSuchVersion {
                    name: name.to_owned(),
                    to: to.to_owned(),
                }
            })?,
            None => history
                .iter()
                .find(|a| a.digest != digest || a.signed_form != form)
                .ok_or_else(|| HistoryError::NothingEarlier(name.to_owned()))?,
        };
    let bytes = store
        .component_blob(&target.digest)
        .await?
        .ok_or_else(|| HistoryError::MissingBlob(target.digest.clone()))?;
    Ok(VersionSnapshot {
        name: name.to_owned(),
        digest: target.digest.clone(),
        signed_form: target.signed_form.clone(),
        signature: target.signature.clone(),
        bytes,
    })
}

/// Who asked for a rollback, for the audit log.
#[derive(Debug, Clone, Default)]
pub struct Requester {
    /// Recorded with the activation: a user name or `cli (<user>)`.
    pub actor: String,
    /// The logged-in user's id, if any.
    pub user_id: Option<String>,
    /// The client's address, if over HTTP.
    pub ip: Option<String>,
}

/// Why a rollback did not happen.
#[derive(Debug, thiserror::Error)]
pub enum RollbackFailure {
    /// No version to restore.
    #[error(transparent)]
    Target(#[from] HistoryError),
    /// The restored version was not accepted (the current one keeps serving).
    #[error(transparent)]
    Refused(#[from] RollbackError),
}

/// Rolls `name` back to the version `to` names (default: the newest other than the one
/// serving) and audits the attempt, whatever its outcome. Returns the digest now serving.
pub async fn roll_back(
    store: &Store,
    runtime: &Arc<Runtime>,
    name: &str,
    to: Option<&str>,
    by: &Requester,
) -> Result<String, RollbackFailure> {
    let current = runtime.registry().components.get(name).cloned();
    let snapshot = rollback_target(
        store,
        name,
        to,
        current
            .as_ref()
            .map(|c| (c.id.digest.as_str(), c.entry.signed_form.as_str())),
    )
    .await?;
    let to_digest = snapshot.digest.clone();
    let result = runtime.rollback(snapshot, &by.actor).await;
    let entry = NewAuditEntry {
        user_id: by.user_id.clone(),
        action: "plugins.rollback".into(),
        ip: by.ip.clone(),
        detail: serde_json::json!({
            "component": name,
            "from_digest": current.as_ref().map(|c| c.id.digest.clone()),
            "to_digest": to_digest,
            "actor": by.actor,
            "ok": result.is_ok(),
            "error": result.as_ref().err().map(|e| e.to_string()),
        }),
        ..Default::default()
    };
    if let Err(e) = store.audit(&entry).await {
        tracing::error!(action = %entry.action, error = %e, "cannot write the audit log");
    }
    result?;
    Ok(to_digest)
}
