//! One call of one component: a fresh `Store` and instance per call, with
//! the component's limits, its grants, and nothing left behind afterwards.

use crate::capability::{
    clock::ClockState, config::ConfigState, http::HttpState, llm::LlmState, log::LogState,
    repo::RepoState, wasi::WasiState,
};
use crate::events::EventRecorder;
use crate::registry::{HostServices, LoadedComponent};
use crate::world::{Stage, StageExports, StagePre};
use dailyx_world::types::{
    ActionLink, AgentError, Critique, Draft, Material, Notification, OutboundPost, Persona,
    PolicyReport, PolicyRules, ProviderError, ProviderReceipt, RemotePost, RunContext, Selection,
    StyleGuide, ThreadPlan,
};
use serde::{Deserialize, Serialize};
use wasmtime::component::{ComponentNamedList, HasSelf, Instance, Lift, Linker, Lower};
use wasmtime::{CallHook, Engine, ResourceLimiter};
use wasmtime_wasi::{WasiCtxView, WasiView};

/// What lives in each call's `Store`: one state per capability.
pub struct CallState {
    pub(crate) http: HttpState,
    pub(crate) llm: LlmState,
    pub(crate) repo: RepoState,
    pub(crate) log: LogState,
    pub(crate) config: ConfigState,
    pub(crate) clock: ClockState,
    /// Built on a component's first WASI call: first-party agents never make one.
    pub(crate) wasi: Option<WasiState>,
    pub(crate) limiter: CallLimiter,
    pub(crate) transfers: Transfers,
}

impl CallState {
    pub(crate) fn new(
        component: &LoadedComponent,
        services: &HostServices,
        events: &EventRecorder,
        deadline: std::time::Instant,
    ) -> Self {
        let grants = &component.grants;
        CallState {
            http: HttpState::new(
                services.http.clone(),
                grants.http.clone(),
                grants.config_values.clone(),
                events.clone(),
                deadline,
            ),
            llm: LlmState::new(services.llm.clone(), grants.llm.clone(), events.clone()),
            repo: RepoState::new(
                services.repositories.clone(),
                grants.repo.clone(),
                events.clone(),
            ),
            log: LogState::new(component.id.clone()),
            config: ConfigState::new(
                grants.config.clone(),
                grants.config_values.clone(),
                events.clone(),
            ),
            clock: ClockState(services.clock.clone()),
            wasi: None,
            limiter: CallLimiter::new(component.entry.limits.memory_bytes),
            transfers: Transfers::new(component),
        }
    }
}

impl CallState {
    /// The call's WASI state, built on first use.
    fn wasi(&mut self) -> &mut WasiState {
        let http = &self.http;
        self.wasi
            .get_or_insert_with(|| WasiState::sealed(http.clone()))
    }
}

impl WasiView for CallState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        self.wasi().ctx()
    }
}

impl wasmtime_wasi_http::WasiHttpView for CallState {
    fn http(&mut self) -> wasmtime_wasi_http::WasiHttpCtxView<'_> {
        self.wasi().http()
    }
}

/// Links every host interface of every contract version, and WASI (nothing granted), into one
/// linker. Each version's interfaces are implemented by the same capability states (0.1.0's by
/// `capability::since_v0_1`, which calls the newest implementation).
pub fn build_linker(engine: &Engine) -> wasmtime::Result<Linker<CallState>> {
    let mut linker = Linker::new(engine);
    {
        use dailyx_world::host::dailyx::agent as a;
        a::http::add_to_linker::<CallState, HasSelf<HttpState>>(&mut linker, |s| &mut s.http)?;
        a::llm::add_to_linker::<CallState, HasSelf<LlmState>>(&mut linker, |s| &mut s.llm)?;
        a::repo::add_to_linker::<CallState, HasSelf<RepoState>>(&mut linker, |s| &mut s.repo)?;
        a::log::add_to_linker::<CallState, HasSelf<LogState>>(&mut linker, |s| &mut s.log)?;
        a::config::add_to_linker::<CallState, HasSelf<ConfigState>>(&mut linker, |s| {
            &mut s.config
        })?;
        a::clock::add_to_linker::<CallState, HasSelf<ClockState>>(&mut linker, |s| &mut s.clock)?;
    }
    {
        use dailyx_world::v0_1 as a;
        a::http::add_to_linker::<CallState, HasSelf<HttpState>>(&mut linker, |s| &mut s.http)?;
        a::llm::add_to_linker::<CallState, HasSelf<LlmState>>(&mut linker, |s| &mut s.llm)?;
        a::repo::add_to_linker::<CallState, HasSelf<RepoState>>(&mut linker, |s| &mut s.repo)?;
        a::log::add_to_linker::<CallState, HasSelf<LogState>>(&mut linker, |s| &mut s.log)?;
        a::config::add_to_linker::<CallState, HasSelf<ConfigState>>(&mut linker, |s| {
            &mut s.config
        })?;
        a::clock::add_to_linker::<CallState, HasSelf<ClockState>>(&mut linker, |s| &mut s.clock)?;
    }
    wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
    wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)?;
    Ok(linker)
}

/// Enforces the call's memory and table budgets and remembers what it refused, so the error
/// says "memory limit" rather than a bare trap.
///
/// The budgets are per call, not per memory or table: wasmtime asks about one memory at a time
/// (at instantiation with `current` 0, then at every `memory.grow`), so the limiter keeps the
/// running total of every memory (and every table) the call's component has, and a component
/// with many memories, each under the limit, cannot hold the limit many times over. Growth that
/// the limiter allowed is never given back (wasmtime does not say which memory a failed growth
/// was for), so an operating-system failure after approval can only make the total err high.
pub(crate) struct CallLimiter {
    memory_bytes: u64,
    memory_total: u64,
    table_elements: u64,
    /// The resource (`memory` or `table`) and what was refused.
    pub(crate) hit: Option<(&'static str, String)>,
}

/// Table elements all tables of one call may have together (the shipped components have a
/// few hundred).
pub(crate) const MAX_TABLE_ELEMENTS_PER_CALL: u64 = 100_000;

impl CallLimiter {
    fn new(memory_bytes: u64) -> Self {
        CallLimiter {
            memory_bytes,
            memory_total: 0,
            table_elements: 0,
            hit: None,
        }
    }

    fn refuse(&mut self, resource: &'static str, detail: String) -> wasmtime::Error {
        let error = wasmtime::format_err!("{detail}");
        self.hit = Some((resource, detail));
        error
    }
}

impl ResourceLimiter for CallLimiter {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        // Beyond the memory's own maximum wasmtime refuses anyway; say no without counting.
        if maximum.is_some_and(|max| desired > max) {
            return Ok(false);
        }
        let growth = (desired as u64).saturating_sub(current as u64);
        let total = self.memory_total.saturating_add(growth);
        if total > self.memory_bytes {
            return Err(self.refuse(
                "memory",
                format!(
                    "growing a memory to {desired} bytes would bring all memories of the call to \
                     {total} bytes; the limit is {} bytes",
                    self.memory_bytes
                ),
            ));
        }
        self.memory_total = total;
        Ok(true)
    }

    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if maximum.is_some_and(|max| desired > max) {
            return Ok(false);
        }
        let growth = (desired as u64).saturating_sub(current as u64);
        let total = self.table_elements.saturating_add(growth);
        if total > MAX_TABLE_ELEMENTS_PER_CALL {
            return Err(self.refuse(
                "table",
                format!(
                    "growing a table to {desired} elements would bring all tables of the call to \
                     {total} elements; the limit is {MAX_TABLE_ELEMENTS_PER_CALL}"
                ),
            ));
        }
        self.table_elements = total;
        Ok(true)
    }

    // The engine's pool refuses a component with more when it is compiled; these hold the
    // same bounds for the store itself, whatever allocator the engine uses.
    fn instances(&self) -> usize {
        crate::engine::MAX_CORE_INSTANCES_PER_CALL as usize
    }

    fn memories(&self) -> usize {
        crate::engine::MAX_MEMORIES_PER_CALL as usize
    }

    fn tables(&self) -> usize {
        crate::engine::MAX_TABLES_PER_CALL as usize
    }
}

/// Component-model handles one call may hold at once: its own resources' and the WASI
/// objects it was given. The host interfaces have no resources; a WASI guest holds a few dozen.
pub(crate) const MAX_HANDLES_PER_CALL: usize = 1_000;

/// Data one host call's arguments may hold besides an HTTP request's body (URLs, headers, an
/// LLM prompt, a log line, a config key).
pub(crate) const HOST_CALL_DATA_BYTES: u64 = 4 << 20;

/// How many bytes of host memory a stage output may take per byte of its JSON form: the
/// most is an empty string in a list (24 bytes in memory, 3 of JSON: `"",`).
const OUTPUT_MEMORY_PER_JSON_BYTE: u64 = 8;

/// The most data the guest may hand the host in one transfer, so that it cannot make the
/// host copy more than that whatever its values point at (a list of a million strings that
/// all alias one buffer is a few MiB of guest memory and terabytes of host copies).
///
/// wasmtime counts the bytes it allocates while lifting a transfer's strings and lists
/// ("hostcall fuel", refilled for every transfer) and stops the lift when they run out, before
/// copying the rest. A call hook sets the budget of the transfer that comes next: a host
/// call's arguments, or the export's result once its code has returned to the host.
pub(crate) struct Transfers {
    /// Budget for one host call's arguments.
    host_call: usize,
    /// Budget for the export's result: `max_output_bytes` in memory form; the exact JSON
    /// count is checked afterwards.
    output: usize,
    /// Host calls under way (a host call may call back into the guest, e.g. `realloc`).
    in_host: u32,
    /// Whether the transfer under way is the export's result.
    lifting_output: bool,
}

/// Where a call's transfers stood when it ended, to say which budget a failure ran out of.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TransferOutcome {
    /// The guest's code had returned and its result was being lifted.
    pub(crate) lifting_output: bool,
    /// The budget of one host call's arguments.
    pub(crate) host_call_budget: usize,
}

impl Transfers {
    fn new(component: &LoadedComponent) -> Self {
        let request_body = component
            .grants
            .http
            .as_ref()
            .map_or(0, |g| g.max_request_bytes);
        let bytes = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
        Transfers {
            host_call: bytes(HOST_CALL_DATA_BYTES.saturating_add(request_body)),
            output: bytes(
                component
                    .entry
                    .limits
                    .max_output_bytes
                    .saturating_mul(OUTPUT_MEMORY_PER_JSON_BYTE)
                    .saturating_add(64 << 10),
            ),
            in_host: 0,
            lifting_output: false,
        }
    }

    pub(crate) fn outcome(&self) -> TransferOutcome {
        TransferOutcome {
            lifting_output: self.lifting_output,
            host_call_budget: self.host_call,
        }
    }

    /// The budget of the first transfer, before any hook ran.
    pub(crate) fn initial(&self) -> usize {
        self.host_call.max(self.output)
    }

    /// Follows one transition; returns the budget to set when it starts a transfer.
    pub(crate) fn on(&mut self, hook: CallHook) -> Option<usize> {
        match hook {
            CallHook::CallingHost => {
                self.in_host += 1;
                self.lifting_output = false;
                Some(self.host_call)
            }
            CallHook::ReturningFromHost => {
                self.in_host = self.in_host.saturating_sub(1);
                None
            }
            // Outside any host call, wasm returning to the host hands it the export's result
            // (or finishes a `realloc` or `post-return` the host called, which lift nothing).
            CallHook::ReturningFromWasm if self.in_host == 0 => {
                self.lifting_output = true;
                Some(self.output)
            }
            CallHook::ReturningFromWasm | CallHook::CallingWasm => None,
        }
    }
}

/// Whether `e` is wasmtime stopping a transfer whose budget ([`Transfers`]) ran out. The error
/// type is private to wasmtime; its message is the only mark it has.
pub(crate) fn is_transfer_budget_exhausted(e: &wasmtime::Error) -> bool {
    e.chain().any(|c| {
        c.to_string()
            .contains("fuel allocated for hostcalls has been exhausted")
    })
}

/// The input of one stage's export. The JSON form is an object with the
/// export's parameters, tagged with the export's name:
/// `{"stage": "curate", "ctx": {...}, "materials": [...]}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "stage", rename_all = "kebab-case", deny_unknown_fields)]
#[allow(missing_docs)]
pub enum StageInput {
    Collect {
        ctx: RunContext,
    },
    Curate {
        ctx: RunContext,
        materials: Vec<Material>,
    },
    Style {
        ctx: RunContext,
        persona: Persona,
        approved_posts: Vec<String>,
    },
    Plan {
        ctx: RunContext,
        selection: Selection,
        materials: Vec<Material>,
        style: StyleGuide,
    },
    Write {
        ctx: RunContext,
        plan: ThreadPlan,
        materials: Vec<Material>,
        style: StyleGuide,
    },
    Critique {
        ctx: RunContext,
        draft: Draft,
        materials: Vec<Material>,
        style: StyleGuide,
    },
    Check {
        ctx: RunContext,
        draft: Draft,
        rules: PolicyRules,
    },
    Compose {
        ctx: RunContext,
        draft: Draft,
        report: PolicyReport,
        links: Vec<ActionLink>,
    },
    Profile,
    Publish {
        post: OutboundPost,
    },
    Recent {
        since_ms: i64,
    },
}

impl StageInput {
    /// The stage whose export takes this input.
    pub fn stage(&self) -> Stage {
        match self {
            StageInput::Collect { .. } => Stage::Collector,
            StageInput::Curate { .. } => Stage::Curator,
            StageInput::Style { .. } => Stage::Style,
            StageInput::Plan { .. } => Stage::ThreadPlanner,
            StageInput::Write { .. } => Stage::Writer,
            StageInput::Critique { .. } => Stage::Critic,
            StageInput::Check { .. } => Stage::Policy,
            StageInput::Compose { .. } => Stage::Notifier,
            StageInput::Profile => Stage::Persona,
            StageInput::Publish { .. } | StageInput::Recent { .. } => Stage::Provider,
        }
    }
}

/// A stage's successful output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[allow(missing_docs)]
pub enum StageOutput {
    Materials(Vec<Material>),
    Selection(Selection),
    StyleGuide(StyleGuide),
    Plan(ThreadPlan),
    Draft(Draft),
    Critique(Critique),
    PolicyReport(PolicyReport),
    Notification(Notification),
    Persona(Persona),
    /// A provider's answer to `publish`: its own error is part of the output, since what it
    /// says about the post (maybe created or certainly not) decides what the host does next.
    Published(Result<ProviderReceipt, ProviderError>),
    /// A provider's answer to `recent`.
    RecentPosts(Result<Vec<RemotePost>, ProviderError>),
}

/// A live instance of one stage's component, with where its functions are.
pub(crate) struct StageInstance {
    instance: Instance,
    exports: StageExports,
}

/// Instantiates `pre` in `store`.
pub(crate) async fn instantiate(
    pre: &StagePre,
    store: &mut wasmtime::Store<CallState>,
) -> wasmtime::Result<StageInstance> {
    Ok(StageInstance {
        instance: pre.pre.instantiate_async(&mut *store).await?,
        exports: pre.exports.clone(),
    })
}

/// Calls the world's `n`th function of `instance` with `params`; wasmtime checks the function's
/// type against `P` and `R` here, so a component whose export has another type fails its first
/// call (and so its evaluation) with the difference named.
async fn call<P, R>(
    instance: &StageInstance,
    store: &mut wasmtime::Store<CallState>,
    n: usize,
    params: P,
) -> wasmtime::Result<R>
where
    P: ComponentNamedList + Lower + Send + Sync,
    R: 'static,
    (R,): ComponentNamedList + Lift + Send + Sync,
{
    let index = instance.exports.func(n)?;
    let func = instance
        .instance
        .get_typed_func::<P, (R,)>(&mut *store, index)?;
    Ok(func.call_async(&mut *store, params).await?.0)
}

/// Calls the export of `instance` with `input`. The outer error is a trap
/// or limit; the inner one is the agent's own error value.
pub(crate) async fn call_export(
    instance: &StageInstance,
    store: &mut wasmtime::Store<CallState>,
    input: &StageInput,
) -> wasmtime::Result<Result<StageOutput, AgentError>> {
    use StageInput as I;
    use StageOutput as O;
    Ok(match input {
        I::Collect { ctx } => {
            call::<_, Result<Vec<Material>, AgentError>>(instance, store, 0, (ctx,))
                .await?
                .map(O::Materials)
        }
        I::Curate { ctx, materials } => call::<_, Result<Selection, AgentError>>(
            instance,
            store,
            0,
            (ctx, materials.as_slice()),
        )
        .await?
        .map(O::Selection),
        I::Style {
            ctx,
            persona,
            approved_posts,
        } => call::<_, Result<StyleGuide, AgentError>>(
            instance,
            store,
            0,
            (ctx, persona, approved_posts.as_slice()),
        )
        .await?
        .map(O::StyleGuide),
        I::Plan {
            ctx,
            selection,
            materials,
            style,
        } => call::<_, Result<ThreadPlan, AgentError>>(
            instance,
            store,
            0,
            (ctx, selection, materials.as_slice(), style),
        )
        .await?
        .map(O::Plan),
        I::Write {
            ctx,
            plan,
            materials,
            style,
        } => call::<_, Result<Draft, AgentError>>(
            instance,
            store,
            0,
            (ctx, plan, materials.as_slice(), style),
        )
        .await?
        .map(O::Draft),
        I::Critique {
            ctx,
            draft,
            materials,
            style,
        } => call::<_, Result<Critique, AgentError>>(
            instance,
            store,
            0,
            (ctx, draft, materials.as_slice(), style),
        )
        .await?
        .map(O::Critique),
        I::Check { ctx, draft, rules } => {
            call::<_, Result<PolicyReport, AgentError>>(instance, store, 0, (ctx, draft, rules))
                .await?
                .map(O::PolicyReport)
        }
        I::Compose {
            ctx,
            draft,
            report,
            links,
        } => call::<_, Result<Notification, AgentError>>(
            instance,
            store,
            0,
            (ctx, draft, report, links.as_slice()),
        )
        .await?
        .map(O::Notification),
        I::Profile => Ok(O::Persona(
            call::<(), Persona>(instance, store, 0, ()).await?,
        )),
        I::Publish { post } => Ok(O::Published(
            call::<_, Result<ProviderReceipt, ProviderError>>(instance, store, 0, (post,)).await?,
        )),
        I::Recent { since_ms } => Ok(O::RecentPosts(
            call::<_, Result<Vec<RemotePost>, ProviderError>>(instance, store, 1, (*since_ms,))
                .await?,
        )),
    })
}

/// A host-side failure of [`invoke`], by phase.
pub(crate) enum Failure {
    /// Instantiation failed (e.g. no free instance slot).
    Instantiate(wasmtime::Error),
    /// The export ran and trapped or hit a limit.
    Call(wasmtime::Error),
}

/// Instantiates `pre` in `store` and calls its export with `input`.
pub(crate) async fn invoke(
    pre: &StagePre,
    store: &mut wasmtime::Store<CallState>,
    input: StageInput,
) -> Result<Result<StageOutput, AgentError>, Failure> {
    let instance = instantiate(pre, store)
        .await
        .map_err(Failure::Instantiate)?;
    call_export(&instance, store, &input)
        .await
        .map_err(Failure::Call)
}

/// Counts serialised bytes and stops at a limit without buffering them.
pub(crate) struct CountingWriter {
    pub(crate) count: u64,
    pub(crate) limit: u64,
}

impl std::io::Write for CountingWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.count += buf.len() as u64;
        if self.count > self.limit {
            return Err(std::io::Error::other("output limit exceeded"));
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Whether `value` serialises to at most `limit` bytes of JSON.
pub(crate) fn fits_output_limit<T: Serialize>(value: &T, limit: u64) -> bool {
    serde_json::to_writer(&mut CountingWriter { count: 0, limit }, value).is_ok()
}

#[cfg(test)]
mod tests {
    use super::{CallLimiter, MAX_TABLE_ELEMENTS_PER_CALL};
    use wasmtime::ResourceLimiter;

    #[test]
    fn memories_and_tables_of_a_call_share_one_budget() {
        let mut limiter = CallLimiter::new(100);
        assert!(limiter.memory_growing(0, 60, None).unwrap());
        // A second memory, under the limit alone, passes it with the first.
        assert!(limiter.memory_growing(0, 50, None).is_err());
        assert_eq!(limiter.hit.as_ref().map(|h| h.0), Some("memory"));
        // Growth counts what is added, not the new size.
        let mut limiter = CallLimiter::new(100);
        assert!(limiter.memory_growing(0, 40, None).unwrap());
        assert!(limiter.memory_growing(40, 90, None).unwrap());
        assert!(limiter.memory_growing(0, 11, None).is_err());

        let per_call = MAX_TABLE_ELEMENTS_PER_CALL as usize;
        let mut limiter = CallLimiter::new(100);
        assert!(limiter.table_growing(0, per_call / 2, None).unwrap());
        assert!(limiter.table_growing(0, per_call / 2, None).unwrap());
        assert!(limiter.table_growing(0, 1, None).is_err());
        assert_eq!(limiter.hit.as_ref().map(|h| h.0), Some("table"));
    }

    #[test]
    fn growth_past_a_memorys_own_maximum_is_refused_without_being_counted() {
        let mut limiter = CallLimiter::new(100);
        assert!(!limiter.memory_growing(0, 80, Some(50)).unwrap());
        assert!(limiter.memory_growing(0, 100, None).unwrap());
        assert!(limiter.hit.is_none());
    }
}
