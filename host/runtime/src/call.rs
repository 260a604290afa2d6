//! One call of one component: a fresh `Store` and instance per call, with
//! the component's limits, its grants, and nothing left behind afterwards.

use crate::capability::{
    clock::ClockState, config::ConfigState, http::HttpState, llm::LlmState, log::LogState,
    repo::RepoState, wasi::WasiState,
};
use crate::events::EventRecorder;
use crate::registry::{HostServices, LoadedComponent};
use crate::world::{Stage, StagePre};
use dailyx_world as w;
use dailyx_world::types::{
    ActionLink, AgentError, Draft, Material, OutboundPost, Persona, PolicyReport, PolicyRules,
    ProviderError, ProviderReceipt, RemotePost, RunContext, Selection, StyleGuide, ThreadPlan,
};
use serde::{Deserialize, Serialize};
use wasmtime::component::{HasSelf, Linker};
use wasmtime::{Engine, ResourceLimiter};
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
        }
    }
}

impl WasiView for CallState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        self.wasi.get_or_insert_with(WasiState::sealed).ctx()
    }
}

/// Links every host interface and WASI (nothing granted) into one linker.
pub fn build_linker(engine: &Engine) -> wasmtime::Result<Linker<CallState>> {
    use dailyx_world::host::dailyx::agent as a;
    let mut linker = Linker::new(engine);
    a::http::add_to_linker::<CallState, HasSelf<HttpState>>(&mut linker, |s| &mut s.http)?;
    a::llm::add_to_linker::<CallState, HasSelf<LlmState>>(&mut linker, |s| &mut s.llm)?;
    a::repo::add_to_linker::<CallState, HasSelf<RepoState>>(&mut linker, |s| &mut s.repo)?;
    a::log::add_to_linker::<CallState, HasSelf<LogState>>(&mut linker, |s| &mut s.log)?;
    a::config::add_to_linker::<CallState, HasSelf<ConfigState>>(&mut linker, |s| &mut s.config)?;
    a::clock::add_to_linker::<CallState, HasSelf<ClockState>>(&mut linker, |s| &mut s.clock)?;
    wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
    Ok(linker)
}

/// Enforces the memory limit and remembers that it was hit, so the error
/// says "memory limit" rather than a bare trap.
pub(crate) struct CallLimiter {
    memory_bytes: u64,
    pub(crate) hit: Option<String>,
}

/// Table elements a component may grow to.
const MAX_TABLE_ELEMENTS: usize = 100_000;

impl CallLimiter {
    fn new(memory_bytes: u64) -> Self {
        CallLimiter {
            memory_bytes,
            hit: None,
        }
    }
}

impl ResourceLimiter for CallLimiter {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _max: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired as u64 > self.memory_bytes {
            let detail = format!(
                "growing memory to {desired} bytes; the limit is {} bytes",
                self.memory_bytes
            );
            self.hit = Some(detail.clone());
            return Err(wasmtime::format_err!("{detail}"));
        }
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _max: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > MAX_TABLE_ELEMENTS {
            let detail =
                format!("growing a table to {desired} elements; the limit is {MAX_TABLE_ELEMENTS}");
            self.hit = Some(detail.clone());
            return Err(wasmtime::format_err!("{detail}"));
        }
        Ok(true)
    }
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
    Critique(dailyx_world::types::Critique),
    PolicyReport(PolicyReport),
    Notification(dailyx_world::types::Notification),
    Persona(Persona),
    /// A provider's answer to `publish`: its own error is part of the output, since what it
    /// says about the post (maybe created or certainly not) decides what the host does next.
    Published(Result<ProviderReceipt, ProviderError>),
    /// A provider's answer to `recent`.
    RecentPosts(Result<Vec<RemotePost>, ProviderError>),
}

/// A live instance of one stage's component.
pub(crate) enum StageInstance {
    Collector(w::collector::Collector),
    Curator(w::curator::Curator),
    Style(w::style::Style),
    ThreadPlanner(w::thread_planner::ThreadPlanner),
    Writer(w::writer::Writer),
    Critic(w::critic::Critic),
    Policy(w::policy::Policy),
    Notifier(w::notifier::Notifier),
    Persona(w::persona::Persona),
    Provider(w::provider::Provider),
}

/// Instantiates `pre` in `store`.
pub(crate) async fn instantiate(
    pre: &StagePre,
    store: &mut wasmtime::Store<CallState>,
) -> wasmtime::Result<StageInstance> {
    Ok(match pre {
        StagePre::Collector(p) => StageInstance::Collector(p.instantiate_async(store).await?),
        StagePre::Curator(p) => StageInstance::Curator(p.instantiate_async(store).await?),
        StagePre::Style(p) => StageInstance::Style(p.instantiate_async(store).await?),
        StagePre::ThreadPlanner(p) => {
            StageInstance::ThreadPlanner(p.instantiate_async(store).await?)
        }
        StagePre::Writer(p) => StageInstance::Writer(p.instantiate_async(store).await?),
        StagePre::Critic(p) => StageInstance::Critic(p.instantiate_async(store).await?),
        StagePre::Policy(p) => StageInstance::Policy(p.instantiate_async(store).await?),
        StagePre::Notifier(p) => StageInstance::Notifier(p.instantiate_async(store).await?),
        StagePre::Persona(p) => StageInstance::Persona(p.instantiate_async(store).await?),
        StagePre::Provider(p) => StageInstance::Provider(p.instantiate_async(store).await?),
    })
}

/// Calls the export of `instance` with `input`. The outer error is a trap
/// or limit; the inner one is the agent's own error value.
pub(crate) async fn call_export(
    instance: &StageInstance,
    store: &mut wasmtime::Store<CallState>,
    input: &StageInput,
) -> wasmtime::Result<Result<StageOutput, AgentError>> {
    use StageInput as I;
    use StageInstance as S;
    use StageOutput as O;
    Ok(match (instance, input) {
        (S::Collector(c), I::Collect { ctx }) => {
            c.call_collect(store, ctx).await?.map(O::Materials)
        }
        (S::Curator(c), I::Curate { ctx, materials }) => c
            .call_curate(store, ctx, materials)
            .await?
            .map(O::Selection),
        (
            S::Style(c),
            I::Style {
                ctx,
                persona,
                approved_posts,
            },
        ) => c
            .call_style(store, ctx, persona, approved_posts)
            .await?
            .map(O::StyleGuide),
        (
            S::ThreadPlanner(c),
            I::Plan {
                ctx,
                selection,
                materials,
                style,
            },
        ) => c
            .call_plan(store, ctx, selection, materials, style)
            .await?
            .map(O::Plan),
        (
            S::Writer(c),
            I::Write {
                ctx,
                plan,
                materials,
                style,
            },
        ) => c
            .call_write(store, ctx, plan, materials, style)
            .await?
            .map(O::Draft),
        (
            S::Critic(c),
            I::Critique {
                ctx,
                draft,
                materials,
                style,
            },
        ) => c
            .call_critique(store, ctx, draft, materials, style)
            .await?
            .map(O::Critique),
        (S::Policy(c), I::Check { ctx, draft, rules }) => c
            .call_check(store, ctx, draft, rules)
            .await?
            .map(O::PolicyReport),
        (
            S::Notifier(c),
            I::Compose {
                ctx,
                draft,
                report,
                links,
            },
        ) => c
            .call_compose(store, ctx, draft, report, links)
            .await?
            .map(O::Notification),
        (S::Persona(c), I::Profile) => Ok(O::Persona(c.call_profile(store).await?)),
        (S::Provider(c), I::Publish { post }) => {
            Ok(O::Published(c.call_publish(store, post).await?))
        }
        (S::Provider(c), I::Recent { since_ms }) => {
            Ok(O::RecentPosts(c.call_recent(store, *since_ms).await?))
        }
        // The runtime checks the stage before instantiating; reaching this is a host bug.
        (_, input) => {
            return Err(wasmtime::format_err!(
                "input for `{}` does not fit this component's world",
                input.stage().export()
            ));
        }
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
