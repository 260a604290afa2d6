//! Component history: records every newly activated version (who, when, how, and the bytes by
//! digest) and finds the version a rollback restores.

use crate::event_log::EventLog;
use dailyx_runtime::{
    ActivatedVersion, ConfirmError, Confirmation, EvalReport, Manifest, RollbackError, Runtime,
    RuntimeConfig, VersionSnapshot,
};
use dailyx_store::{
    Activation, NewActivation, NewAuditEntry, Store, StoreError, UpgradeConfirmation,
};
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

/// Keeps every activation and eval report that arrives until every sender is gone.
fn spawn_recorders(
    store: Store,
    (mut activations, mut evals): (
        UnboundedReceiver<ActivatedVersion>,
        UnboundedReceiver<EvalReport>,
    ),
    events: Option<EventLog>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let (mut a_open, mut e_open) = (true, true);
        while a_open || e_open {
            tokio::select! {
                a = activations.recv(), if a_open => match a {
                    Some(a) => {
                        match record(&store, &a).await {
                            Ok(true) => if let Some(ev) = &events {
                                ev.emit("component.activated", &a.id.name, serde_json::json!({
                                    "version": a.id.version,
                                    "digest": a.id.digest,
                                    "action": a.action,
                                    "actor": a.actor,
                                }));
                            },
                            Ok(false) => {}
                            Err(e) => tracing::error!(component = %a.id.name, error = %e, "cannot record the component's activation"),
                        }
                    }
                    None => a_open = false,
                },
                r = evals.recv(), if e_open => match r {
                    Some(r) => {
                        if let Err(e) = record_eval(&store, &r).await {
                            tracing::error!(component = %r.component, error = %e, "cannot keep the eval report");
                        }
                        if let Some(ev) = &events {
                            ev.emit("component.evaluated", &r.component, serde_json::json!({
                                "version": r.version,
                                "digest": r.digest,
                                "passed": r.passed,
                                "summary": r.summary(),
                            }));
                        }
                    }
                    None => e_open = false,
                },
            }
        }
    })
}

/// Keeps an eval gate report and audits its outcome.
pub async fn record_eval(store: &Store, r: &EvalReport) -> Result<(), StoreError> {
    let json = serde_json::to_string(r).unwrap_or_default();
    store
        .record_eval(&r.component, &r.version, &r.digest, r.passed, &json)
        .await?;
    store
        .audit(&NewAuditEntry {
            action: "plugins.eval".into(),
            detail: serde_json::json!({
                "component": r.component,
                "version": r.version,
                "digest": r.digest,
                "passed": r.passed,
                "summary": r.summary(),
            }),
            ..Default::default()
        })
        .await?;
    Ok(())
}

/// Connects a runtime to the history before it starts: each component's last recorded
/// version (what a new one is reviewed against, and what serves while a widened one waits),
/// the confirmations given so far, and recorders for new activations and eval reports.
/// Returns the recorder task (it ends when the runtime is dropped).
pub async fn attach(
    store: &Store,
    config: &mut RuntimeConfig,
    events: Option<EventLog>,
) -> Result<tokio::task::JoinHandle<()>, StoreError> {
    let manifest = config
        .plugins_dir
        .join(dailyx_runtime::manifest::MANIFEST_FILE);
    // An unreadable manifest is the runtime's to report; there is then nothing to compare.
    let names: Vec<String> = Manifest::load(&manifest)
        .map(|m| m.components.into_keys().collect())
        .unwrap_or_default();
    for name in names {
        let Some(newest) = store.newest_activation(&name).await? else {
            continue;
        };
        let Some(bytes) = store.component_blob(&newest.digest).await? else {
            tracing::warn!(component = %name, digest = %newest.digest, "the recorded version's bytes are missing; it cannot serve while a new version waits");
            continue;
        };
        config.baselines.insert(
            name.clone(),
            VersionSnapshot {
                name,
                digest: newest.digest,
                signed_form: newest.signed_form,
                signature: newest.signature,
                bytes,
            },
        );
    }
    for c in store.confirmations().await? {
        config.confirmed.insert(Confirmation {
            name: c.name,
            digest: c.digest,
            form_digest: c.form_digest,
        });
    }
    let (a_tx, a_rx) = tokio::sync::mpsc::unbounded_channel();
    let (e_tx, e_rx) = tokio::sync::mpsc::unbounded_channel();
    config.activations = Some(a_tx);
    config.eval_reports = Some(e_tx);
    Ok(spawn_recorders(store.clone(), (a_rx, e_rx), events))
}

/// Why a confirmation did not take effect.
#[derive(Debug, thiserror::Error)]
pub enum ConfirmFailure {
    /// Nothing of that digest waits, or the confirmed version was refused by another gate.
    #[error(transparent)]
    Runtime(#[from] ConfirmError),
    #[allow(missing_docs)]
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Confirms the widened version of `name` with `digest` that waits for review: keeps the
/// confirmation (bound to the bytes and the entry), activates it, and audits the attempt.
pub async fn confirm(
    store: &Store,
    runtime: &Arc<Runtime>,
    name: &str,
    digest: &str,
    by: &Requester,
) -> Result<(), ConfirmFailure> {
    let changes = runtime
        .pending_upgrades()
        .get(name)
        .filter(|p| p.to.digest == digest)
        .map(|p| p.changes.clone());
    let result = runtime.confirm_upgrade(name, digest, &by.actor).await;
    let confirmation = match &result {
        Ok((c, _))
        | Err(ConfirmError::Refused {
            confirmation: c, ..
        }) => Some(c),
        Err(ConfirmError::NotPending { .. }) => None,
    };
    if let (Some(c), Some(changes)) = (&confirmation, &changes) {
        store
            .record_confirmation(&UpgradeConfirmation {
                name: c.name.clone(),
                digest: c.digest.clone(),
                form_digest: c.form_digest.clone(),
                changes: serde_json::to_string(changes).unwrap_or_default(),
                confirmed_by: by.actor.clone(),
                at: jiff::Timestamp::now().as_millisecond(),
            })
            .await?;
    }
    let entry = by.audit_entry(
        "plugins.confirm",
        serde_json::json!({
            "component": name,
            "digest": digest,
            "changes": changes,
            "actor": by.actor,
            "ok": result.is_ok(),
            "error": result.as_ref().err().map(|e| e.to_string()),
        }),
    );
    audit_quietly(store, &entry).await;
    result?;
    wait_until_recorded(store, name, digest, None).await;
    Ok(())
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

impl Requester {
    /// An audit entry of `action` by this requester.
    fn audit_entry(&self, action: &str, detail: serde_json::Value) -> NewAuditEntry {
        NewAuditEntry {
            user_id: self.user_id.clone(),
            action: action.to_owned(),
            ip: self.ip.clone(),
            detail,
            ..Default::default()
        }
    }
}

impl From<&crate::auth::CurrentUser> for Requester {
    fn from(user: &crate::auth::CurrentUser) -> Requester {
        Requester {
            actor: user.username.clone(),
            user_id: Some(user.id.clone()),
            ip: Some(user.ip.to_string()),
        }
    }
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
    let entry = by.audit_entry(
        "plugins.rollback",
        serde_json::json!({
            "component": name,
            "from_digest": current.as_ref().map(|c| c.id.digest.clone()),
            "to_digest": to_digest,
            "actor": by.actor,
            "ok": result.is_ok(),
            "error": result.as_ref().err().map(|e| e.to_string()),
        }),
    );
    audit_quietly(store, &entry).await;
    result?;
    wait_until_recorded(store, name, &to_digest, Some("rollback")).await;
    Ok(to_digest)
}

/// Waits (briefly) until the history's newest version of `name` is `digest` (recorded as
/// `action`, if given): activations are recorded by a task of their own, and an answer that
/// shows the history should include the change it reports.
async fn wait_until_recorded(store: &Store, name: &str, digest: &str, action: Option<&str>) {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(5);
    while tokio::time::Instant::now() < deadline {
        match store.newest_activation(name).await {
            Ok(Some(a)) if a.digest == digest && action.is_none_or(|x| a.action == x) => return,
            Ok(_) => tokio::time::sleep(std::time::Duration::from_millis(10)).await,
            Err(e) => {
                tracing::warn!(component = %name, error = %e, "cannot read the history");
                return;
            }
        }
    }
    tracing::warn!(component = %name, %digest, "the activation was not recorded within 5 s");
}

/// Writes an audit entry; a failure is logged, not returned (the action itself has happened).
async fn audit_quietly(store: &Store, entry: &NewAuditEntry) {
    if let Err(e) = store.audit(entry).await {
        tracing::error!(action = %entry.action, error = %e, "cannot write the audit log");
    }
}
