//! The runtime: one engine, one linker, the registry, and calls.

use crate::call::{CallState, Failure, StageInput, StageOutput, fits_output_limit, invoke};
use crate::capability::http::HttpService;
use crate::capability::llm::{LlmService, TokenCount};
use crate::capability::log::GuestLogLine;
use crate::engine::{EpochTicker, build_engine, start_epoch_ticker};
use crate::events::{CapabilityEvent, ComponentId, EventRecorder};
use crate::registry::{HostServices, LoadProblem, LoadedComponent, Registry};
use crate::runtime_config::RuntimeConfig;
use crate::trust::{Signer, TrustPolicy};
use crate::world::Stage;
use arc_swap::{ArcSwap, ArcSwapOption};
use dailyx_world::types::AgentError;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};
use wasmtime::component::Linker;
use wasmtime::{Engine, Store, Trap, UpdateDeadline};

/// Why the runtime could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The engine or linker could not be built.
    #[error("cannot build the Wasm engine: {0}")]
    Engine(String),
    /// An outbound client could not be built.
    #[error("cannot build the HTTP client: {0}")]
    Http(#[from] reqwest::Error),
}

/// What a reload changed.
#[derive(Debug, Default, Clone, Serialize)]
pub struct ReloadReport {
    /// Components activated in a new version (or for the first time).
    pub activated: Vec<ComponentId>,
    /// Components removed because the manifest no longer lists them.
    pub removed: Vec<String>,
    /// Problems (refused new versions, entries that cannot load).
    pub problems: Vec<LoadProblem>,
    /// Set when the manifest could not be read; nothing changed.
    pub manifest_error: Option<String>,
    /// New versions waiting for an administrator's confirmation (they widen their grants).
    pub pending: Vec<crate::review::PendingUpgrade>,
    /// Eval gate reports of the new versions it ran on.
    pub evaluations: Vec<crate::eval::EvalReport>,
}

/// A version that was just activated, with what the history needs to restore it later.
#[derive(Debug, Clone)]
pub struct ActivatedVersion {
    /// Name, version, digest.
    pub id: ComponentId,
    /// Its world.
    pub world: Stage,
    /// Its manifest entry as signed.
    pub signed_form: String,
    /// Its `.sig` JSON, if it was signed.
    pub signature: Option<String>,
    /// The component file.
    pub bytes: Arc<[u8]>,
    /// `activate`, or `rollback` when a rollback installed it.
    pub action: &'static str,
    /// Who caused the (re)load: a user, or `system (...)`.
    pub actor: String,
}

/// Why a rollback did not take effect.
#[derive(Debug, thiserror::Error)]
pub enum RollbackError {
    /// The files could not be installed.
    #[error(transparent)]
    Install(#[from] crate::install::InstallError),
    /// They were installed, but the reload refused them (e.g. their key is no longer trusted).
    #[error("the restored version of `{name}` was refused: {message}")]
    Refused {
        #[allow(missing_docs)]
        name: String,
        #[allow(missing_docs)]
        message: String,
    },
}

/// The last (re)load: when it finished and what it changed.
#[derive(Debug, Clone)]
pub struct LastReload {
    /// When it finished.
    pub at: SystemTime,
    /// What it changed.
    pub report: ReloadReport,
}

/// Why a call failed on the host side (the agent's own error is `Agent`).
#[derive(Debug, Clone, thiserror::Error, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum CallError {
    /// No such component is loaded.
    #[error("component `{component}` is not loaded")]
    NotLoaded {
        #[allow(missing_docs)]
        component: String,
    },
    /// The input is for another world's export.
    #[error(
        "component `{component}` implements world `{world}`; it cannot take input for `{input}`"
    )]
    WrongStage {
        #[allow(missing_docs)]
        component: String,
        #[allow(missing_docs)]
        world: Stage,
        #[allow(missing_docs)]
        input: &'static str,
    },
    /// The component returned its own error value.
    #[error("component `{component}` failed: {error}")]
    Agent {
        #[allow(missing_docs)]
        component: String,
        #[allow(missing_docs)]
        error: AgentError,
    },
    /// The wall-clock limit was reached.
    #[error(
        "component `{component}` exceeded its wall-clock limit of {limit_ms} ms and was stopped"
    )]
    Timeout {
        #[allow(missing_docs)]
        component: String,
        #[allow(missing_docs)]
        limit_ms: u64,
    },
    /// A resource limit was reached.
    #[error("component `{component}` exceeded its {resource} limit: {detail}")]
    ResourceLimit {
        #[allow(missing_docs)]
        component: String,
        #[allow(missing_docs)]
        resource: &'static str,
        #[allow(missing_docs)]
        detail: String,
    },
    /// The returned value is larger than allowed.
    #[error("component `{component}` returned more than its max_output_bytes ({limit})")]
    OutputTooLarge {
        #[allow(missing_docs)]
        component: String,
        #[allow(missing_docs)]
        limit: u64,
    },
    /// The component trapped (a panic, `unreachable`, a bad memory access).
    #[error("component `{component}` trapped: {message}")]
    Trap {
        #[allow(missing_docs)]
        component: String,
        #[allow(missing_docs)]
        message: String,
        /// The panic message the guest logged before trapping, if any.
        panic: Option<String>,
    },
    /// It could not be instantiated (e.g. every instance slot is busy).
    #[error("component `{component}` could not be instantiated: {message}")]
    Instantiate {
        #[allow(missing_docs)]
        component: String,
        #[allow(missing_docs)]
        message: String,
    },
}

/// Everything about one call: the result and what the component did.
#[derive(Debug, Clone, Serialize)]
pub struct CallRecord {
    /// The component version that ran (`None` when nothing was loaded under the name).
    pub component: Option<ComponentId>,
    /// The output, or why there is none.
    pub result: Result<StageOutput, CallError>,
    /// Every capability call, allowed or denied.
    pub events: Vec<CapabilityEvent>,
    /// What the guest logged.
    pub logs: Vec<GuestLogLine>,
    /// HTTP requests that began to leave the host, counted before each was sent: a call that
    /// failed with this above zero may have had an effect upstream.
    pub requests_sent: u32,
    /// Of those, the ones that got no complete answer (timed out, cut off): the far side may
    /// have acted on them.
    pub requests_unanswered: u32,
    /// LLM tokens used.
    pub tokens: TokenCount,
    /// Fuel consumed, when metered.
    pub fuel_used: Option<u64>,
    /// Wall-clock duration of the call.
    #[serde(serialize_with = "as_micros")]
    pub duration: Duration,
}

fn as_micros<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(d.as_micros() as u64)
}

/// The component host.
pub struct Runtime {
    pub(crate) engine: Engine,
    pub(crate) linker: Linker<CallState>,
    pub(crate) services: HostServices,
    pub(crate) plugins_dir: PathBuf,
    pub(crate) cache: Option<crate::compile_cache::CompileCache>,
    pub(crate) registry: ArcSwap<Registry>,
    pub(crate) reload_lock: tokio::sync::Mutex<()>,
    last_reload: ArcSwapOption<LastReload>,
    pub(crate) trust: TrustPolicy,
    pub(crate) activations: Option<tokio::sync::mpsc::UnboundedSender<ActivatedVersion>>,
    pub(crate) eval_reports: Option<tokio::sync::mpsc::UnboundedSender<crate::eval::EvalReport>>,
    pub(crate) review_upgrades: bool,
    pub(crate) baselines: BTreeMap<String, crate::install::VersionSnapshot>,
    pub(crate) confirmed:
        parking_lot::Mutex<std::collections::BTreeSet<crate::review::Confirmation>>,
    pub(crate) pending: ArcSwap<BTreeMap<String, crate::review::PendingUpgrade>>,
    _ticker: EpochTicker,
}

impl Runtime {
    /// Builds the engine and services and loads every manifest entry.
    /// Entries that cannot load are reported in the registry's problems;
    /// the rest serve.
    pub async fn start(config: RuntimeConfig) -> Result<Arc<Runtime>, StartError> {
        let engine =
            build_engine(config.engine).map_err(|e| StartError::Engine(format!("{e:#}")))?;
        let linker =
            crate::call::build_linker(&engine).map_err(|e| StartError::Engine(format!("{e:#}")))?;
        let services = HostServices {
            http: Arc::new(HttpService::new(config.credentials.clone())),
            llm: Arc::new(LlmService::new(config.llm.clone())?),
            repositories: Arc::new(config.repositories.clone()),
            clock: config.clock.clone(),
            plugin_config: config.plugin_config.clone(),
        };
        let runtime = Arc::new(Runtime {
            _ticker: start_epoch_ticker(&engine),
            engine,
            linker,
            services,
            plugins_dir: config.plugins_dir,
            cache: config
                .cache_dir
                .map(|dir| crate::compile_cache::CompileCache {
                    dir,
                    key: config.cache_key,
                }),
            registry: ArcSwap::from_pointee(Registry::default()),
            reload_lock: tokio::sync::Mutex::new(()),
            last_reload: ArcSwapOption::empty(),
            trust: config.trust,
            activations: config.activations,
            eval_reports: config.eval_reports,
            review_upgrades: config.review_upgrades,
            baselines: config.baselines,
            confirmed: parking_lot::Mutex::new(config.confirmed),
            pending: ArcSwap::from_pointee(BTreeMap::new()),
        });
        runtime.reload_by("system (start)").await;
        Ok(runtime)
    }

    /// The current registry (a snapshot; later reloads do not change it).
    pub fn registry(&self) -> Arc<Registry> {
        self.registry.load_full()
    }

    /// The last (re)load, by the watcher, the API or start-up.
    pub fn last_reload(&self) -> Option<Arc<LastReload>> {
        self.last_reload.load_full()
    }

    /// The plugins directory.
    pub fn plugins_dir(&self) -> &Path {
        &self.plugins_dir
    }

    /// The LLM service (to change the endpoint at run time).
    pub fn llm(&self) -> &LlmService {
        &self.services.llm
    }

    /// Re-reads the manifest and files; activates what changed and loads,
    /// keeps what is unchanged, and keeps the old version of anything whose
    /// new version is refused. Compilation runs on the blocking pool, off
    /// the path of calls in flight; the swap is one atomic store.
    pub async fn reload(self: &Arc<Self>) -> ReloadReport {
        self.reload_by("system").await
    }

    /// [`Runtime::reload`], naming who caused it (recorded with each activation).
    pub async fn reload_by(self: &Arc<Self>, actor: &str) -> ReloadReport {
        let _guard = self.reload_lock.lock().await;
        self.reload_locked(actor, None).await
    }

    /// Restores a recorded version: installs its files (bytes, digest, signature, manifest
    /// entry) and reloads, all under the reload lock so that the watcher sees only the result.
    /// The reload checks it like any other version (digest, signature, world).
    pub async fn rollback(
        self: &Arc<Self>,
        snapshot: crate::install::VersionSnapshot,
        actor: &str,
    ) -> Result<ReloadReport, RollbackError> {
        let _guard = self.reload_lock.lock().await;
        let dir = self.plugins_dir.clone();
        let snap = snapshot.clone();
        tokio::task::spawn_blocking(move || crate::install::install_version(&dir, &snap))
            .await
            .map_err(|e| RollbackError::Refused {
                name: snapshot.name.clone(),
                message: e.to_string(),
            })??;
        let report = self.reload_locked(actor, Some(&snapshot.name)).await;
        match self.why_not_serving(&snapshot.name, &snapshot.digest, &report) {
            None => Ok(report),
            Some(message) => Err(RollbackError::Refused {
                name: snapshot.name.clone(),
                message,
            }),
        }
    }

    pub(crate) async fn reload_locked(
        self: &Arc<Self>,
        actor: &str,
        rollback_of: Option<&str>,
    ) -> ReloadReport {
        let this = self.clone();
        let staged = match tokio::task::spawn_blocking(move || this.stage_next_registry()).await {
            Ok(staged) => staged,
            Err(e) => {
                tracing::error!(error = %e, "reload task failed; the current components keep serving");
                return ReloadReport {
                    manifest_error: Some(format!("reload task failed: {e}")),
                    ..ReloadReport::default()
                };
            }
        };
        let (next, report, activated, pending) = self.pass_eval_gate(staged).await;
        self.registry.store(Arc::new(next));
        self.pending.store(Arc::new(pending));
        for c in &report.activated {
            tracing::info!(component = %c.name, version = %c.version, digest = c.short_digest(), actor, "component activated");
        }
        if let Some(tx) = &self.activations {
            for mut a in activated {
                a.actor = actor.to_owned();
                if rollback_of == Some(a.id.name.as_str()) {
                    a.action = "rollback";
                }
                let _ = tx.send(a);
            }
        }
        for name in &report.removed {
            tracing::info!(component = %name, "component removed from the manifest; unloaded");
        }
        for p in &report.problems {
            tracing::warn!(component = %p.component, old_version_serving = p.old_version_serving, "{}", p.message);
        }
        if let Some(e) = &report.manifest_error {
            tracing::error!("{e}; the current components keep serving");
        }
        self.last_reload.store(Some(Arc::new(LastReload {
            at: SystemTime::now(),
            report: report.clone(),
        })));
        report
    }

    /// Calls component `name` once with `input`, in a fresh instance.
    pub async fn call(&self, name: &str, input: StageInput) -> CallRecord {
        let started = Instant::now();
        let Some(component) = self.registry.load().components.get(name).cloned() else {
            return CallRecord::failed(
                None,
                CallError::NotLoaded {
                    component: name.to_owned(),
                },
                started,
            );
        };
        self.call_loaded(&component, input).await
    }

    /// Calls a specific loaded component (the pipeline pins versions per run).
    pub async fn call_loaded(
        &self,
        component: &Arc<LoadedComponent>,
        input: StageInput,
    ) -> CallRecord {
        self.call_with(component, input, None).await
    }

    /// Calls `component` with the LLM answering `llm_replies` in order instead of the
    /// endpoint (the eval gate's golden cases); grants and limits apply as in any call.
    pub async fn call_scripted(
        &self,
        component: &Arc<LoadedComponent>,
        input: StageInput,
        llm_replies: Vec<String>,
    ) -> CallRecord {
        self.call_with(component, input, Some(llm_replies.into()))
            .await
    }

    async fn call_with(
        &self,
        component: &Arc<LoadedComponent>,
        input: StageInput,
        script: Option<std::collections::VecDeque<String>>,
    ) -> CallRecord {
        let started = Instant::now();
        let id = (*component.id).clone();
        let name = id.name.clone();
        if input.stage() != component.entry.stage {
            let error = CallError::WrongStage {
                component: name,
                world: component.entry.stage,
                input: input.stage().export(),
            };
            return CallRecord::failed(Some(id), error, started);
        }
        let limits = component.entry.limits;
        let events = EventRecorder::new(component.id.clone());
        let wall = Duration::from_millis(limits.wall_clock_ms);
        let mut store = self.new_store(component, &events, started + wall);
        store.data_mut().llm.script = script;

        // The epoch callback stops guest code; this timeout also covers time
        // spent awaiting host calls (a slow upstream).
        let outcome = tokio::time::timeout(wall, invoke(&component.pre, &mut store, input)).await;
        let fuel_used = limits
            .fuel
            .and_then(|f| store.get_fuel().ok().map(|left| f - left));
        let state = store.data_mut();
        let logs = std::mem::take(&mut state.log.lines);
        let tokens = state.llm.used;
        let requests_sent = state.http.sent();
        let requests_unanswered = state.http.unanswered();
        let limit_hit = state.limiter.hit.take();
        let transfer = state.transfers.outcome();
        let result = match outcome {
            Err(_) => Err(CallError::Timeout {
                component: name.clone(),
                limit_ms: limits.wall_clock_ms,
            }),
            Ok(Ok(Ok(output))) => {
                if fits_output_limit(&output, limits.max_output_bytes) {
                    Ok(output)
                } else {
                    Err(CallError::OutputTooLarge {
                        component: name.clone(),
                        limit: limits.max_output_bytes,
                    })
                }
            }
            Ok(Ok(Err(error))) => Err(CallError::Agent {
                component: name.clone(),
                error,
            }),
            // A memory or table the component starts with can pass the call's budget.
            Ok(Err(Failure::Instantiate(e))) => match limit_hit {
                Some(detail) => Err(resource_limit(&name, detail)),
                None => Err(CallError::Instantiate {
                    component: name.clone(),
                    message: format!("{e:#}"),
                }),
            },
            Ok(Err(Failure::Call(e))) => Err(classify_failure(
                &name, e, limit_hit, transfer, &limits, &logs,
            )),
        };
        drop(store);
        CallRecord {
            component: Some(id),
            result,
            events: events.take(),
            logs,
            requests_sent,
            requests_unanswered,
            tokens,
            fuel_used,
            duration: started.elapsed(),
        }
    }
}

/// The call's memory or table budget, as the limiter described what it refused.
fn resource_limit(component: &str, (resource, detail): (&'static str, String)) -> CallError {
    CallError::ResourceLimit {
        component: component.to_owned(),
        resource,
        detail,
    }
}

/// Whether `e` is a handle limit: WASI's table of host objects is full, or the store refused
/// another component-model handle (wasmtime's own error, known only by its message).
fn handle_limit(e: &wasmtime::Error) -> Option<String> {
    if let Some(full) = e.downcast_ref::<wasmtime::component::ResourceTableError>() {
        return Some(format!(
            "{full} (a call may hold {} WASI resources)",
            crate::capability::wasi::MAX_RESOURCES_PER_CALL
        ));
    }
    e.chain()
        .any(|c| c.to_string().contains("store handle limit exceeded"))
        .then(|| {
            format!(
                "a call may hold {} resource handles at once",
                crate::call::MAX_HANDLES_PER_CALL
            )
        })
}

/// Turns a wasmtime error into the most specific [`CallError`].
fn classify_failure(
    component: &str,
    e: wasmtime::Error,
    limit_hit: Option<(&'static str, String)>,
    transfer: crate::call::TransferOutcome,
    limits: &crate::manifest::Limits,
    logs: &[GuestLogLine],
) -> CallError {
    if let Some(hit) = limit_hit {
        return resource_limit(component, hit);
    }
    let component = component.to_owned();
    if crate::call::is_transfer_budget_exhausted(&e) {
        // A host call's arguments fail inside the guest's code, so the error carries the
        // guest's backtrace (and the trap unwinding back to the host looks like a return to the
        // call hook); the result is lifted after the guest's code is done.
        let in_guest_code = e.downcast_ref::<wasmtime::WasmBacktrace>().is_some();
        return if transfer.lifting_output && !in_guest_code {
            CallError::OutputTooLarge {
                component,
                limit: limits.max_output_bytes,
            }
        } else {
            CallError::ResourceLimit {
                component,
                resource: "host-call data",
                detail: format!(
                    "one host call's arguments held more than {} bytes",
                    transfer.host_call_budget
                ),
            }
        };
    }
    if let Some(detail) = handle_limit(&e) {
        return CallError::ResourceLimit {
            component,
            resource: "handles",
            detail,
        };
    }
    match e.downcast_ref::<Trap>() {
        Some(Trap::Interrupt) => {
            return CallError::Timeout {
                component,
                limit_ms: limits.wall_clock_ms,
            };
        }
        Some(Trap::OutOfFuel) => {
            return CallError::ResourceLimit {
                component,
                resource: "fuel",
                detail: format!("used all {} units of fuel", limits.fuel.unwrap_or(u64::MAX)),
            };
        }
        _ => {}
    }
    let panic = logs
        .iter()
        .rev()
        .find_map(|l| l.message.strip_prefix("guest panic: ").map(str::to_owned));
    let message = match e.downcast_ref::<Trap>() {
        Some(trap) => trap.to_string(),
        None => format!("{e:#}")
            .lines()
            .next()
            .unwrap_or_default()
            .to_owned(),
    };
    CallError::Trap {
        component,
        message,
        panic,
    }
}

impl Runtime {
    /// A store for one call of `component`: its limits, fuel, and an epoch
    /// callback that yields to tokio every tick and interrupts at `deadline`.
    fn new_store(
        &self,
        component: &LoadedComponent,
        events: &EventRecorder,
        deadline: Instant,
    ) -> Store<CallState> {
        let mut store = Store::new(
            &self.engine,
            CallState::new(component, &self.services, events, deadline),
        );
        store.limiter(|s| &mut s.limiter);
        // What the guest may make the host copy or hold: one transfer's data, and the
        // handles of its resources (WASI's host objects have their own cap, `wasi.rs`).
        let first_transfer = store.data().transfers.initial();
        store.set_hostcall_fuel(first_transfer);
        store.call_hook(|mut store, hook| {
            if let Some(budget) = store.data_mut().transfers.on(hook) {
                store.set_hostcall_fuel(budget);
            }
            Ok(())
        });
        store.set_max_component_handles(crate::call::MAX_HANDLES_PER_CALL);
        // Fuel is always enabled on the engine, so this cannot fail.
        let _ = store.set_fuel(component.entry.limits.fuel.unwrap_or(u64::MAX));
        store.set_epoch_deadline(1);
        store.epoch_deadline_callback(move |_| {
            Ok(if Instant::now() >= deadline {
                UpdateDeadline::Interrupt
            } else {
                UpdateDeadline::Yield(1)
            })
        });
        store
    }

    /// An instance kept alive across calls, for benchmarks that compare a
    /// fresh instance per call with a reused one. Production calls always get
    /// a fresh instance, so no state survives from one call to the next.
    #[doc(hidden)]
    pub async fn reused_instance(&self, name: &str) -> Result<ReusedInstance, String> {
        let component = self
            .registry
            .load()
            .components
            .get(name)
            .cloned()
            .ok_or_else(|| format!("component `{name}` is not loaded"))?;
        let events = EventRecorder::new(component.id.clone());
        let far = Instant::now() + Duration::from_secs(24 * 3600);
        let mut store = self.new_store(&component, &events, far);
        let instance = crate::call::instantiate(&component.pre, &mut store)
            .await
            .map_err(|e| format!("{e:#}"))?;
        Ok(ReusedInstance { store, instance })
    }
}

/// See [`Runtime::reused_instance`].
#[doc(hidden)]
pub struct ReusedInstance {
    store: Store<CallState>,
    instance: crate::call::StageInstance,
}

impl ReusedInstance {
    /// Calls the export again on the same instance.
    pub async fn call(&mut self, input: &StageInput) -> Result<StageOutput, String> {
        match crate::call::call_export(&self.instance, &mut self.store, input).await {
            Ok(Ok(output)) => Ok(output),
            Ok(Err(e)) => Err(e.to_string()),
            Err(e) => Err(format!("{e:#}")),
        }
    }
}

impl CallRecord {
    fn failed(component: Option<ComponentId>, error: CallError, started: Instant) -> CallRecord {
        CallRecord {
            component,
            result: Err(error),
            events: Vec::new(),
            logs: Vec::new(),
            requests_sent: 0,
            requests_unanswered: 0,
            tokens: TokenCount::default(),
            fuel_used: None,
            duration: started.elapsed(),
        }
    }
}

/// A summary of one registry entry for listings (`plugins list`, the API).
#[derive(Debug, Clone, Serialize)]
pub struct ComponentSummary {
    /// Name, version, digest.
    pub id: ComponentId,
    /// World.
    pub world: Stage,
    /// Grants.
    pub grants: crate::manifest::Grants,
    /// Limits.
    pub limits: crate::manifest::Limits,
    /// Whether it imports WASI.
    pub imports_wasi: bool,
    /// Config values it will see.
    pub config: BTreeMap<String, String>,
    /// Who signed it.
    pub signer: Signer,
}

impl Registry {
    /// Summaries of the active components, by name.
    pub fn summaries(&self) -> Vec<ComponentSummary> {
        self.components
            .values()
            .map(|c| ComponentSummary {
                id: (*c.id).clone(),
                world: c.entry.stage,
                grants: c.entry.grants.clone(),
                limits: c.entry.limits,
                imports_wasi: c.imports_wasi,
                config: (*c.grants.config_values).clone(),
                signer: c.signer.clone(),
            })
            .collect()
    }
}
