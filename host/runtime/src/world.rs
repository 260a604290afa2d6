//! The nine stage worlds, and the load-time check that a component fits the
//! world its manifest entry names.
//!
//! The check runs before instantiation and says, in the component's and the
//! world's names, what is missing or extra; wasmtime's own type check then
//! runs when the typed `*Pre` is built.

use dailyx_world as w;
use serde::{Deserialize, Serialize};
use wasmtime::Engine;
use wasmtime::component::types::ComponentItem;
use wasmtime::component::{Component, InstancePre};

use crate::call::CallState;

/// A pipeline stage, i.e. a world of the contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Stage {
    /// `collector`: exports `collect`.
    Collector,
    /// `curator`: exports `curate`.
    Curator,
    /// `style`: exports `style`.
    Style,
    /// `thread-planner`: exports `plan`.
    ThreadPlanner,
    /// `writer`: exports `write`.
    Writer,
    /// `critic`: exports `critique`.
    Critic,
    /// `policy`: exports `check`.
    Policy,
    /// `notifier`: exports `compose`.
    Notifier,
    /// `persona`: exports `profile`.
    Persona,
    /// `provider`: exports `publish` and `recent`.
    Provider,
}

/// The WIT package every first-party interface belongs to.
pub const PACKAGE: &str = "dailyx:agent";
/// The contract version this host implements.
pub const CONTRACT_VERSION: &str = "0.1.0";
/// Host interfaces a component may import (besides WASI).
pub const HOST_INTERFACES: [&str; 7] = ["types", "http", "llm", "repo", "log", "config", "clock"];

impl Stage {
    /// Every world, pipeline stages in order, then persona and provider.
    pub const ALL: [Stage; 10] = [
        Stage::Collector,
        Stage::Curator,
        Stage::Style,
        Stage::ThreadPlanner,
        Stage::Writer,
        Stage::Critic,
        Stage::Policy,
        Stage::Notifier,
        Stage::Persona,
        Stage::Provider,
    ];

    /// The world's name in the WIT.
    pub fn world(self) -> &'static str {
        match self {
            Stage::Collector => "collector",
            Stage::Curator => "curator",
            Stage::Style => "style",
            Stage::ThreadPlanner => "thread-planner",
            Stage::Writer => "writer",
            Stage::Critic => "critic",
            Stage::Policy => "policy",
            Stage::Notifier => "notifier",
            Stage::Persona => "persona",
            Stage::Provider => "provider",
        }
    }

    /// The function the world exports.
    pub fn export(self) -> &'static str {
        match self {
            Stage::Collector => "collect",
            Stage::Curator => "curate",
            Stage::Style => "style",
            Stage::ThreadPlanner => "plan",
            Stage::Writer => "write",
            Stage::Critic => "critique",
            Stage::Policy => "check",
            Stage::Notifier => "compose",
            Stage::Persona => "profile",
            Stage::Provider => "publish",
        }
    }

    /// Every function the world exports (the main one first).
    pub fn exports(self) -> &'static [&'static str] {
        match self {
            Stage::Provider => &["publish", "recent"],
            Stage::Collector => &["collect"],
            Stage::Curator => &["curate"],
            Stage::Style => &["style"],
            Stage::ThreadPlanner => &["plan"],
            Stage::Writer => &["write"],
            Stage::Critic => &["critique"],
            Stage::Policy => &["check"],
            Stage::Notifier => &["compose"],
            Stage::Persona => &["profile"],
        }
    }

    /// Whether components of this world run in the draft pipeline (providers and personas
    /// are called by the publisher and the style step instead).
    pub fn is_pipeline_stage(self) -> bool {
        !matches!(self, Stage::Persona | Stage::Provider)
    }

    /// The stage whose world has this name.
    pub fn from_world(world: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|s| s.world() == world)
    }

    /// The stage whose world exports a function of this name.
    pub fn from_export(export: &str) -> Option<Stage> {
        Stage::ALL
            .into_iter()
            .find(|s| s.exports().contains(&export))
    }
}

impl std::fmt::Display for Stage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.world())
    }
}

/// A component checked against its world, ready to instantiate.
#[derive(Clone)]
pub enum StagePre {
    #[allow(missing_docs)]
    Collector(w::collector::CollectorPre<CallState>),
    #[allow(missing_docs)]
    Curator(w::curator::CuratorPre<CallState>),
    #[allow(missing_docs)]
    Style(w::style::StylePre<CallState>),
    #[allow(missing_docs)]
    ThreadPlanner(w::thread_planner::ThreadPlannerPre<CallState>),
    #[allow(missing_docs)]
    Writer(w::writer::WriterPre<CallState>),
    #[allow(missing_docs)]
    Critic(w::critic::CriticPre<CallState>),
    #[allow(missing_docs)]
    Policy(w::policy::PolicyPre<CallState>),
    #[allow(missing_docs)]
    Notifier(w::notifier::NotifierPre<CallState>),
    #[allow(missing_docs)]
    Persona(w::persona::PersonaPre<CallState>),
    #[allow(missing_docs)]
    Provider(w::provider::ProviderPre<CallState>),
}

impl StagePre {
    /// Wraps `pre` in the typed bindings of `stage`; fails if the export's type differs.
    pub fn new(stage: Stage, pre: InstancePre<CallState>) -> wasmtime::Result<StagePre> {
        Ok(match stage {
            Stage::Collector => StagePre::Collector(w::collector::CollectorPre::new(pre)?),
            Stage::Curator => StagePre::Curator(w::curator::CuratorPre::new(pre)?),
            Stage::Style => StagePre::Style(w::style::StylePre::new(pre)?),
            Stage::ThreadPlanner => {
                StagePre::ThreadPlanner(w::thread_planner::ThreadPlannerPre::new(pre)?)
            }
            Stage::Writer => StagePre::Writer(w::writer::WriterPre::new(pre)?),
            Stage::Critic => StagePre::Critic(w::critic::CriticPre::new(pre)?),
            Stage::Policy => StagePre::Policy(w::policy::PolicyPre::new(pre)?),
            Stage::Notifier => StagePre::Notifier(w::notifier::NotifierPre::new(pre)?),
            Stage::Persona => StagePre::Persona(w::persona::PersonaPre::new(pre)?),
            Stage::Provider => StagePre::Provider(w::provider::ProviderPre::new(pre)?),
        })
    }
}

/// Checks the component's imports and exports against `stage`'s world.
///
/// Imports must be the host's interfaces (any 0.1.x version) or WASI (linked
/// with nothing granted); the world's export must be present as a function.
/// The error lists every problem found, not just the first.
pub fn check_fit(engine: &Engine, component: &Component, stage: Stage) -> Result<(), String> {
    let ty = component.component_type();
    let mut problems = Vec::new();
    for (name, _) in ty.imports(engine) {
        if !import_allowed(name) {
            problems.push(format!(
                "it imports `{name}`, which the `{}` world does not provide",
                stage.world()
            ));
        }
    }
    let exports: Vec<(&str, bool)> = ty
        .exports(engine)
        .map(|(name, e)| (name, matches!(e.ty, ComponentItem::ComponentFunc(_))))
        .collect();
    for wanted in stage.exports() {
        check_export(&exports, wanted, &mut problems);
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}

/// Adds a problem unless `wanted` is among `exports` as a function.
fn check_export(exports: &[(&str, bool)], wanted: &str, problems: &mut Vec<String>) {
    match exports.iter().find(|(name, _)| *name == wanted) {
        Some((_, true)) => {}
        Some((_, false)) => problems.push(format!("its export `{wanted}` is not a function")),
        None => {
            let mut missing = format!("it does not export `{wanted}`");
            let others: Vec<String> = exports
                .iter()
                .map(|(name, _)| match Stage::from_export(name) {
                    Some(s) => format!("`{name}` (the export of world `{}`)", s.world()),
                    None => format!("`{name}`"),
                })
                .collect();
            if !others.is_empty() {
                missing.push_str(&format!("; it exports {}", others.join(", ")));
            }
            problems.push(missing);
        }
    }
}

/// Whether an import name is one the host links: `dailyx:agent/<iface>@0.1.x` or `wasi:*`.
fn import_allowed(name: &str) -> bool {
    if name.starts_with("wasi:") {
        return true;
    }
    let Some(rest) = name.strip_prefix(PACKAGE).and_then(|r| r.strip_prefix('/')) else {
        return false;
    };
    let (interface, version) = rest.split_once('@').unwrap_or((rest, ""));
    HOST_INTERFACES.contains(&interface) && version.starts_with("0.1.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stage_names_round_trip() {
        for stage in Stage::ALL {
            assert_eq!(Stage::from_world(stage.world()), Some(stage));
            assert_eq!(Stage::from_export(stage.export()), Some(stage));
        }
        assert_eq!(Stage::from_world("publisher"), None);
    }

    #[test]
    fn only_host_interfaces_and_wasi_may_be_imported() {
        assert!(import_allowed("dailyx:agent/http@0.1.0"));
        assert!(import_allowed("dailyx:agent/log@0.1.3"));
        assert!(import_allowed("wasi:filesystem/types@0.2.6"));
        assert!(!import_allowed("dailyx:agent/http@0.2.0"));
        assert!(!import_allowed("dailyx:agent/secrets@0.1.0"));
        assert!(!import_allowed("dailyx:agentx/http@0.1.0"));
        assert!(!import_allowed("evil:net/socket@1.0.0"));
        assert!(!import_allowed("http"));
    }
}
