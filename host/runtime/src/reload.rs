//! Building the next registry: every manifest entry goes through the same gates, in order,
//! and only what passes all of them is swapped in.
//!
//! 1. digest and signature (`registry::read_verified`), before anything is compiled;
//! 2. compile and check against its world (`registry::Loader`);
//! 3. upgrade review (`review`): a version that widens its grants or limits beyond the version
//!    it replaces waits for an administrator's confirmation;
//! 4. eval gate (`eval`): a new version of a component whose world has a golden set must pass
//!    it in the sandbox.
//!
//! Whatever a gate refuses, the version serving keeps serving. "The version it replaces" is
//! the one in memory or, right after start, the one the host recorded as last active (its
//! baseline), which is also what serves while a widened version waits.

use crate::eval::{EvalReport, GoldenSet, load_golden_set};
use crate::events::ComponentId;
use crate::install::VersionSnapshot;
use crate::manifest::{MANIFEST_FILE, Manifest, ManifestEntry};
use crate::registry::{
    LoadProblem, LoadedComponent, Loader, Registry, VerifiedFile, read_verified,
};
use crate::review::{Confirmation, PendingUpgrade, diff, widens};
use crate::runtime::{ActivatedVersion, ReloadReport, Runtime};
use dailyx_signing::{SignatureFile, sha256_digest};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::SystemTime;

/// What one entry comes to in the next registry.
enum Outcome {
    /// Unchanged: the same loaded component.
    Unchanged(Arc<LoadedComponent>),
    /// A new version that passed every gate that needs no call.
    Ready(Candidate),
    /// Waiting for confirmation; `serving` (if any) keeps serving.
    Held {
        pending: PendingUpgrade,
        serving: Option<Arc<LoadedComponent>>,
    },
    /// Refused; the old version (if any) keeps serving.
    Failed(String),
}

/// A new version ready to activate once (if its world has a golden set) it passes the eval.
pub(crate) struct Candidate {
    component: Arc<LoadedComponent>,
    activation: Option<ActivatedVersion>,
    /// Whether the eval gate applies (a version not already recorded as active).
    evaluate: bool,
}

/// The next registry before the eval gate has run.
pub(crate) struct Staged {
    next: Registry,
    report: ReloadReport,
    activated: Vec<ActivatedVersion>,
    candidates: Vec<Candidate>,
    pending: BTreeMap<String, PendingUpgrade>,
}

/// Why a confirmation did not take effect.
#[derive(Debug, thiserror::Error)]
pub enum ConfirmError {
    /// Nothing of that name and digest is waiting.
    #[error("no version of `{name}` with digest {digest} is waiting for confirmation")]
    NotPending {
        #[allow(missing_docs)]
        name: String,
        #[allow(missing_docs)]
        digest: String,
    },
    /// Confirmed, but another gate (e.g. the eval) refused it. The confirmation stands (it is
    /// about the grants), so the host keeps it.
    #[error("the confirmed version of `{name}` was refused: {message}")]
    Refused {
        #[allow(missing_docs)]
        name: String,
        #[allow(missing_docs)]
        message: String,
        /// What was confirmed.
        confirmation: Confirmation,
    },
}

impl Runtime {
    /// Builds the registry that should replace the current one, up to the eval gate (blocking:
    /// it reads and compiles).
    pub(crate) fn stage_next_registry(&self) -> Staged {
        let mut report = ReloadReport::default();
        let current = self.registry.load_full();
        let manifest = match Manifest::load(&self.plugins_dir.join(MANIFEST_FILE)) {
            Ok(m) => m,
            Err(e) => {
                report.manifest_error = Some(e.to_string());
                let next = Registry {
                    components: current.components.clone(),
                    problems: current.problems.clone(),
                    manifest_error: Some(e.to_string()),
                };
                return Staged {
                    next,
                    report,
                    activated: Vec::new(),
                    candidates: Vec::new(),
                    pending: (**self.pending.load()).clone(),
                };
            }
        };
        let loader = Loader {
            engine: &self.engine,
            linker: &self.linker,
            cache: self.cache.as_ref(),
            services: &self.services,
            plugins_dir: &self.plugins_dir,
        };
        let previous_pending = self.pending.load_full();
        let mut staged = Staged {
            next: Registry::default(),
            report,
            activated: Vec::new(),
            candidates: Vec::new(),
            pending: BTreeMap::new(),
        };
        for (name, entry) in &manifest.components {
            let old = current.components.get(name);
            match self.stage_entry(&loader, entry, old) {
                Outcome::Unchanged(c) => {
                    staged.next.components.insert(name.clone(), c);
                }
                Outcome::Ready(candidate) => {
                    if let Some(old) = old {
                        // Serves until the candidate passes the eval gate.
                        staged.next.components.insert(name.clone(), old.clone());
                    }
                    staged.candidates.push(candidate);
                }
                Outcome::Held {
                    mut pending,
                    serving,
                } => {
                    if let Some(earlier) = previous_pending
                        .get(name)
                        .filter(|p| p.to.digest == pending.to.digest)
                    {
                        pending.since = earlier.since;
                    }
                    let message = held_message(&pending, serving.as_deref());
                    if let Some(serving) = serving {
                        if old.is_none() {
                            staged.report.activated.push((*serving.id).clone());
                        }
                        staged.next.components.insert(name.clone(), serving);
                    }
                    problem(&mut staged.next, &mut staged.report, name, message);
                    staged.report.pending.push(pending.clone());
                    staged.pending.insert(name.clone(), pending);
                }
                Outcome::Failed(e) => {
                    if let Some(old) = old {
                        staged.next.components.insert(name.clone(), old.clone());
                    }
                    let message = refused_message(&staged.next, name, &e);
                    problem(&mut staged.next, &mut staged.report, name, message);
                }
            }
        }
        staged.report.removed = current
            .components
            .keys()
            .filter(|n| !manifest.components.contains_key(*n))
            .cloned()
            .collect();
        staged
    }

    /// Passes one entry through the gates that need no call.
    fn stage_entry(
        &self,
        loader: &Loader<'_>,
        entry: &ManifestEntry,
        old: Option<&Arc<LoadedComponent>>,
    ) -> Outcome {
        let file = match read_verified(&self.plugins_dir, entry, &self.trust) {
            Ok(f) => f,
            Err(e) => return Outcome::Failed(e.to_string()),
        };
        if let Some(old) = old.filter(|o| o.entry == *entry && o.id.digest == file.digest) {
            return Outcome::Unchanged(old.clone());
        }
        let baseline = self.baselines.get(&entry.name);
        let recorded =
            baseline.is_some_and(|b| b.digest == file.digest && b.signed_form == entry.signed_form);
        // The recorded version's entry, when it is what this version replaces (right after start).
        let recorded_entry = match baseline {
            Some(b) if old.is_none() && !recorded => match entry_of_snapshot(b) {
                Ok(e) => Some((b, e)),
                Err(why) => {
                    tracing::warn!(component = %entry.name, "the recorded version cannot be read ({why}); reviewing against nothing");
                    None
                }
            },
            _ => None,
        };
        // What this version replaces: the one serving, or right after start the one recorded.
        let replaces: Option<(ComponentId, &ManifestEntry)> = match (old, &recorded_entry) {
            (Some(o), _) => Some(((*o.id).clone(), &o.entry)),
            (None, Some((b, e))) => Some((
                ComponentId {
                    name: e.name.clone(),
                    version: e.version.clone(),
                    digest: b.digest.clone(),
                },
                e,
            )),
            (None, None) => None,
        };
        if self.review_upgrades
            && let Some((from, previous)) = &replaces
        {
            let changes = diff(previous, entry);
            let confirmed = self.confirmed.lock().contains(&Confirmation::of(
                &entry.name,
                &file.digest,
                &entry.signed_form,
            ));
            if widens(&changes) && !confirmed {
                let pending = PendingUpgrade {
                    from: from.clone(),
                    to: ComponentId {
                        name: entry.name.clone(),
                        version: entry.version.clone(),
                        digest: file.digest.clone(),
                    },
                    changes,
                    signed_form: entry.signed_form.clone(),
                    since: SystemTime::now(),
                };
                let serving = match (old, &recorded_entry) {
                    (Some(o), _) => Some(o.clone()),
                    (None, Some((b, e))) => match self.load_snapshot(loader, b, e) {
                        Ok(c) => Some(Arc::new(c)),
                        Err(why) => {
                            tracing::warn!(component = %entry.name, "the recorded version cannot serve: {why}");
                            None
                        }
                    },
                    (None, None) => None,
                };
                return Outcome::Held { pending, serving };
            }
        }
        let component = match loader.load(entry, &file) {
            Ok(c) => Arc::new(c),
            Err(e) => return Outcome::Failed(e.to_string()),
        };
        let activation = self.activation_of(&component, &file);
        Outcome::Ready(Candidate {
            component,
            activation,
            evaluate: !(old.is_none() && recorded),
        })
    }

    /// What the history needs of a new version; only a host that keeps a history gets it.
    fn activation_of(
        &self,
        component: &LoadedComponent,
        file: &VerifiedFile,
    ) -> Option<ActivatedVersion> {
        self.activations.as_ref()?;
        Some(ActivatedVersion {
            id: (*component.id).clone(),
            world: component.entry.stage,
            signed_form: component.entry.signed_form.clone(),
            signature: file
                .signature
                .as_ref()
                .and_then(|s| serde_json::to_string(s).ok()),
            bytes: file.bytes.clone().into(),
            action: "activate",
            actor: String::new(),
        })
    }

    /// Loads a recorded version from its bytes, with every check a file gets.
    fn load_snapshot(
        &self,
        loader: &Loader<'_>,
        snapshot: &VersionSnapshot,
        entry: &ManifestEntry,
    ) -> Result<LoadedComponent, String> {
        let digest = sha256_digest(&snapshot.bytes);
        if digest != snapshot.digest {
            return Err(format!(
                "its stored bytes hash to {digest}, not {}",
                snapshot.digest
            ));
        }
        let signature = match &snapshot.signature {
            Some(text) => Some(
                serde_json::from_str::<SignatureFile>(text)
                    .map_err(|e| format!("its recorded signature is unreadable: {e}"))?,
            ),
            None => None,
        };
        let label = std::path::PathBuf::from(format!("recorded {}", snapshot.digest));
        let (signer, signature) = self
            .trust
            .verify(entry, &label, &label, &digest, signature)
            .map_err(|e| e.to_string())?;
        let file = VerifiedFile {
            bytes: snapshot.bytes.clone(),
            digest,
            signer,
            signature,
        };
        loader.load(entry, &file).map_err(|e| e.to_string())
    }

    /// Runs the eval gate over the staged candidates and returns the registry to swap in.
    pub(crate) async fn pass_eval_gate(
        &self,
        staged: Staged,
    ) -> (
        Registry,
        ReloadReport,
        Vec<ActivatedVersion>,
        BTreeMap<String, PendingUpgrade>,
    ) {
        let Staged {
            mut next,
            mut report,
            mut activated,
            candidates,
            pending,
        } = staged;
        // Candidates that need no eval go in first, so that a gated writer is checked against
        // the policy that will serve with it.
        let mut gated = Vec::new();
        for c in candidates {
            let set = if c.evaluate {
                load_golden_set(&self.plugins_dir, c.component.entry.stage)
            } else {
                Ok(None)
            };
            match set {
                Ok(None) => activate(&mut next, &mut report, &mut activated, c),
                Ok(Some((set, digest))) => gated.push((c, set, digest)),
                Err(e) => {
                    let name = c.component.id.name.clone();
                    let message = refused_message(&next, &name, &e.to_string());
                    problem(&mut next, &mut report, &name, message);
                }
            }
        }
        for (c, set, digest) in gated {
            let report_of_eval = self.run_gate(&c.component, &next, &set, &digest).await;
            let name = c.component.id.name.clone();
            let passed = report_of_eval.as_ref().is_ok_and(|r| r.passed);
            match &report_of_eval {
                Ok(r) => {
                    tracing::info!(component = %name, digest = c.component.id.short_digest(), passed = r.passed, "eval gate: {}", r.summary());
                    report.evaluations.push(r.clone());
                    if let Some(tx) = &self.eval_reports {
                        let _ = tx.send(r.clone());
                    }
                }
                Err(e) => tracing::warn!(component = %name, "eval gate: {e}"),
            }
            if passed {
                activate(&mut next, &mut report, &mut activated, c);
            } else {
                let why = match &report_of_eval {
                    Ok(r) => format!(
                        "version {} was refused by the eval gate: {}",
                        c.component.id.version,
                        r.summary()
                    ),
                    Err(e) => e.clone(),
                };
                let message = refused_message(&next, &name, &why);
                problem(&mut next, &mut report, &name, message);
            }
        }
        (next, report, activated, pending)
    }

    async fn run_gate(
        &self,
        candidate: &Arc<LoadedComponent>,
        policies: &Registry,
        set: &GoldenSet,
        digest: &str,
    ) -> Result<EvalReport, String> {
        tokio::time::timeout(
            crate::eval::GATE_TIMEOUT,
            crate::eval::evaluate(self, candidate, policies, set, digest),
        )
        .await
        .map_err(|_| {
            format!(
                "the eval gate did not finish within {} s; the version is refused",
                crate::eval::GATE_TIMEOUT.as_secs()
            )
        })
    }

    /// Confirms the version of `name` with `digest` that waits for review, and reloads so it
    /// activates (if every other gate passes). Returns what was confirmed, for the host to keep.
    pub async fn confirm_upgrade(
        self: &Arc<Self>,
        name: &str,
        digest: &str,
        actor: &str,
    ) -> Result<(Confirmation, ReloadReport), ConfirmError> {
        let _guard = self.reload_lock.lock().await;
        let pending = self.pending.load_full();
        let Some(waiting) = pending.get(name).filter(|p| p.to.digest == digest) else {
            return Err(ConfirmError::NotPending {
                name: name.to_owned(),
                digest: digest.to_owned(),
            });
        };
        let confirmation = Confirmation::of(name, digest, &waiting.signed_form);
        self.confirmed.lock().insert(confirmation.clone());
        let report = self.reload_locked(actor, None).await;
        match self.why_not_serving(name, digest, &report) {
            None => Ok((confirmation, report)),
            Some(message) => Err(ConfirmError::Refused {
                name: name.to_owned(),
                message,
                confirmation,
            }),
        }
    }

    /// `None` when `name` serves `digest` after the reload that produced `report`; otherwise
    /// why not (its problem, or the manifest's).
    pub(crate) fn why_not_serving(
        &self,
        name: &str,
        digest: &str,
        report: &ReloadReport,
    ) -> Option<String> {
        let registry = self.registry();
        if registry
            .components
            .get(name)
            .is_some_and(|c| c.id.digest == digest)
        {
            return None;
        }
        Some(
            registry
                .problems
                .get(name)
                .map(|p| p.message.clone())
                .or(report.manifest_error.clone())
                .unwrap_or_else(|| "it is not active after the reload".into()),
        )
    }

    /// Versions waiting for an administrator's confirmation, by component.
    pub fn pending_upgrades(&self) -> Arc<BTreeMap<String, PendingUpgrade>> {
        self.pending.load_full()
    }

    /// Runs the golden set of `name`'s world against the version serving (what the gate would
    /// decide, on demand: `dailyx plugins eval`). `Ok(None)`: its world has no golden set.
    pub async fn evaluate(&self, name: &str) -> Result<Option<EvalReport>, String> {
        let registry = self.registry();
        let component = registry
            .components
            .get(name)
            .ok_or_else(|| format!("component `{name}` is not loaded"))?;
        let Some((set, digest)) =
            load_golden_set(&self.plugins_dir, component.entry.stage).map_err(|e| e.to_string())?
        else {
            return Ok(None);
        };
        self.run_gate(component, &registry, &set, &digest)
            .await
            .map(Some)
    }
}

fn activate(
    next: &mut Registry,
    report: &mut ReloadReport,
    activated: &mut Vec<ActivatedVersion>,
    c: Candidate,
) {
    report.activated.push((*c.component.id).clone());
    activated.extend(c.activation);
    next.components
        .insert(c.component.id.name.clone(), c.component);
}

fn problem(next: &mut Registry, report: &mut ReloadReport, name: &str, message: String) {
    let problem = LoadProblem {
        component: name.to_owned(),
        message,
        old_version_serving: next.components.contains_key(name),
    };
    report.problems.push(problem.clone());
    next.problems.insert(name.to_owned(), problem);
}

fn refused_message(next: &Registry, name: &str, why: &str) -> String {
    match next.components.get(name) {
        Some(o) => format!(
            "{why}; version {} ({}) keeps serving",
            o.id.version,
            o.id.short_digest()
        ),
        None => why.to_owned(),
    }
}

fn held_message(pending: &PendingUpgrade, serving: Option<&LoadedComponent>) -> String {
    let widened: Vec<String> = pending
        .changes
        .iter()
        .filter(|c| c.direction == crate::review::Direction::Widened)
        .map(|c| c.to_string())
        .collect();
    let serving = match serving {
        Some(s) => format!(
            "version {} ({}) keeps serving",
            s.id.version,
            s.id.short_digest()
        ),
        None => "nothing serves under this name until then".into(),
    };
    format!(
        "version {} ({}) asks for more than version {} and waits for an administrator to confirm it (in the console's Plugins page, or `dailyx plugins confirm {}` where no server runs): {}; {serving}",
        pending.to.version,
        pending.to.short_digest(),
        pending.from.version,
        pending.to.name,
        widened.join(", ")
    )
}

/// The manifest entry a recorded version was signed with.
pub(crate) fn entry_of_snapshot(snapshot: &VersionSnapshot) -> Result<ManifestEntry, String> {
    let json: serde_json::Value = serde_json::from_str(&snapshot.signed_form)
        .map_err(|e| format!("its recorded entry is not JSON: {e}"))?;
    let table = toml::Value::try_from(json).map_err(|e| e.to_string())?;
    let mut doc = toml::Table::new();
    doc.insert("component".into(), toml::Value::Array(vec![table]));
    let text = toml::to_string(&doc).map_err(|e| e.to_string())?;
    let manifest = Manifest::parse(&text, std::path::Path::new("(recorded entry)"))
        .map_err(|e| e.to_string())?;
    let mut entry = manifest
        .components
        .into_values()
        .next()
        .filter(|e| e.name == snapshot.name)
        .ok_or_else(|| format!("its recorded entry is not `{}`", snapshot.name))?;
    // Verify against exactly what was signed, not a re-rendering of it.
    entry.signed_form = snapshot.signed_form.clone();
    Ok(entry)
}
