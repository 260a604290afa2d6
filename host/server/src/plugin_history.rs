//! Component history: records every newly activated version (who, when, how, and the bytes by
//! digest) and finds the version a rollback restores.

use dailyx_runtime::{ActivatedVersion, VersionSnapshot};
use dailyx_store::{Activation, NewActivation, NewAuditEntry, Store, StoreError};
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
    let newest = store
        .component_history(&a.id.name)
        .await?
        .into_iter()
        .next();
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
