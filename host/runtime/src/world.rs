//! The stage worlds, the contract versions a component may be built against, and the load-time
//! check that a component fits the world its manifest entry names.
//!
//! The check runs before instantiation and says, in the component's and the world's names, what
//! is missing or extra. It also finds the version: a 0.2.0 component exports the interface
//! `dailyx:agent/<world>-api@0.2.x`, a 0.1.0 component the world's functions bare. Either way the
//! export indices found here are what a call uses (`call.rs`), with one set of types: wasmtime
//! checks each function's type against them when an instance is made.

use serde::{Deserialize, Serialize};
use wasmtime::Engine;
use wasmtime::component::types::ComponentItem;
use wasmtime::component::{Component, ComponentExportIndex, InstancePre};

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
/// The newest contract version this host implements (it loads every [`ContractVersion`]).
pub const CONTRACT_VERSION: &str = "0.2.0";

/// A version of the `dailyx:agent` contract the host links and calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ContractVersion {
    /// 0.1.x: each world exports its functions bare (`write`, `critique`, ...).
    #[serde(rename = "0.1")]
    V0_1,
    /// 0.2.x: each world exports the interface `<world>-api` holding its functions.
    #[serde(rename = "0.2")]
    V0_2,
}

impl ContractVersion {
    /// Every version, oldest first.
    pub const ALL: [ContractVersion; 2] = [ContractVersion::V0_1, ContractVersion::V0_2];

    /// The semver prefix an interface name carries in this version (`0.2.`).
    pub fn prefix(self) -> &'static str {
        match self {
            ContractVersion::V0_1 => "0.1.",
            ContractVersion::V0_2 => "0.2.",
        }
    }
}

impl std::fmt::Display for ContractVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ContractVersion::V0_1 => "0.1",
            ContractVersion::V0_2 => "0.2",
        })
    }
}
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

    /// The interface a 0.2.0 component of this world exports (`writer-api`).
    pub fn interface(self) -> String {
        format!("{}-api", self.world())
    }

    /// Every function the world exports (the main one first), by the same names in every
    /// contract version.
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
}

impl std::fmt::Display for Stage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.world())
    }
}

/// A component checked against its world, ready to instantiate: its pre-instance, the contract
/// version it was built against, and where its functions are.
#[derive(Clone)]
pub struct StagePre {
    pub(crate) pre: InstancePre<crate::call::CallState>,
    pub(crate) exports: StageExports,
}

/// Where a component's functions of its world are, found once at load.
#[derive(Clone)]
pub struct StageExports {
    /// The contract version the component was built against.
    pub version: ContractVersion,
    /// One index per function of [`Stage::exports`], in that order.
    pub(crate) funcs: Vec<ComponentExportIndex>,
}

impl StageExports {
    /// The index of the world's `n`th function ([`Stage::exports`] order).
    pub(crate) fn func(&self, n: usize) -> wasmtime::Result<&ComponentExportIndex> {
        self.funcs
            .get(n)
            .ok_or_else(|| wasmtime::format_err!("the world has no function number {n}"))
    }
}

/// Checks the component's imports and exports against `stage`'s world and finds its functions.
///
/// Imports must be the host's interfaces (0.1.x or 0.2.x) or WASI (linked with nothing granted);
/// the world's functions must be exported: inside `dailyx:agent/<world>-api@0.2.x`, or bare
/// (0.1.x). The error lists every problem found, not just the first.
pub fn check_fit(
    engine: &Engine,
    component: &Component,
    stage: Stage,
) -> Result<StageExports, String> {
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
    let interface = format!("{PACKAGE}/{}@", stage.interface());
    let exported_interface = ty.exports(engine).find_map(|(name, item)| {
        let version = name.strip_prefix(&interface)?;
        let ComponentItem::ComponentInstance(instance) = item.ty else {
            return None;
        };
        version
            .starts_with(ContractVersion::V0_2.prefix())
            .then(|| (name.to_owned(), instance))
    });
    let found = match &exported_interface {
        Some((name, instance)) => {
            let exports: Vec<(&str, bool)> = instance
                .exports(engine)
                .map(|(n, e)| (n, matches!(e.ty, ComponentItem::ComponentFunc(_))))
                .collect();
            let outer = component.get_export_index(None, name.as_str());
            let funcs: Vec<_> = stage
                .exports()
                .iter()
                .filter_map(|wanted| {
                    check_export(&exports, wanted, &format!("`{name}`"), &mut problems)
                        .then(|| component.get_export_index(outer.as_ref(), *wanted))
                        .flatten()
                })
                .collect();
            (ContractVersion::V0_2, funcs)
        }
        None => {
            let exports: Vec<(&str, bool)> = ty
                .exports(engine)
                .map(|(n, e)| (n, matches!(e.ty, ComponentItem::ComponentFunc(_))))
                .collect();
            let bare = |wanted: &&str| exports.contains(&(*wanted, true));
            if stage.exports().iter().all(bare) {
                let funcs = stage
                    .exports()
                    .iter()
                    .filter_map(|wanted| component.get_export_index(None, *wanted))
                    .collect();
                (ContractVersion::V0_1, funcs)
            } else {
                let wanted: Vec<String> =
                    stage.exports().iter().map(|f| format!("`{f}`")).collect();
                problems.push(format!(
                    "it does not export `{interface}0.2.0` (nor, as a 0.1.0 component, {}){}",
                    wanted.join(" and "),
                    exported_elsewhere(&exports)
                ));
                (ContractVersion::V0_1, Vec::new())
            }
        }
    };
    let (version, funcs) = found;
    if problems.is_empty() && funcs.len() == stage.exports().len() {
        Ok(StageExports { version, funcs })
    } else {
        Err(problems.join("; "))
    }
}

/// Adds a problem unless `wanted` is among `exports` as a function; says whether it is.
fn check_export(
    exports: &[(&str, bool)],
    wanted: &str,
    owner: &str,
    problems: &mut Vec<String>,
) -> bool {
    match exports.iter().find(|(name, _)| *name == wanted) {
        Some((_, true)) => true,
        Some((_, false)) => {
            problems.push(format!("its export `{wanted}` is not a function"));
            false
        }
        None => {
            problems.push(format!(
                "{owner} does not export `{wanted}`{}",
                exported_elsewhere(exports)
            ));
            false
        }
    }
}

/// "; it exports `x` (of world `y`), ..." for what a component exports instead, if anything.
fn exported_elsewhere(exports: &[(&str, bool)]) -> String {
    let others: Vec<String> = exports
        .iter()
        .map(|(name, _)| {
            let world = Stage::ALL.into_iter().find(|s| {
                s.exports().contains(name) || name.contains(&format!("/{}@", s.interface()))
            });
            match world {
                Some(s) => format!("`{name}` (of world `{}`)", s.world()),
                None => format!("`{name}`"),
            }
        })
        .collect();
    if others.is_empty() {
        String::new()
    } else {
        format!("; it exports {}", others.join(", "))
    }
}

/// Whether an import name is one the host links: `dailyx:agent/<iface>@0.1.x` or `@0.2.x`, or
/// `wasi:*`.
fn import_allowed(name: &str) -> bool {
    if name.starts_with("wasi:") {
        return true;
    }
    let Some(rest) = name.strip_prefix(PACKAGE).and_then(|r| r.strip_prefix('/')) else {
        return false;
    };
    let (interface, version) = rest.split_once('@').unwrap_or((rest, ""));
    HOST_INTERFACES.contains(&interface)
        && ContractVersion::ALL
            .iter()
            .any(|v| version.starts_with(v.prefix()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stage_names_round_trip() {
        for stage in Stage::ALL {
            assert_eq!(Stage::from_world(stage.world()), Some(stage));
        }
        assert_eq!(Stage::from_world("publisher"), None);
    }

    #[test]
    fn only_host_interfaces_and_wasi_may_be_imported() {
        assert!(import_allowed("dailyx:agent/http@0.1.0"));
        assert!(import_allowed("dailyx:agent/log@0.1.3"));
        assert!(import_allowed("wasi:filesystem/types@0.2.6"));
        assert!(import_allowed("dailyx:agent/http@0.2.0"));
        assert!(!import_allowed("dailyx:agent/http@0.3.0"));
        assert!(!import_allowed("dailyx:agent/writer-api@0.2.0"));
        assert!(!import_allowed("dailyx:agent/secrets@0.1.0"));
        assert!(!import_allowed("dailyx:agentx/http@0.1.0"));
        assert!(!import_allowed("evil:net/socket@1.0.0"));
        assert!(!import_allowed("http"));
    }
}
