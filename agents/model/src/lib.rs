//! The `dailyx:agent` data types, generated from `wit/0.2/types.wit`.
//!
//! Agent logic crates use these types directly, natively (for unit tests and
//! the host's native benchmarks) and inside components (where the SDK maps
//! the WIT `types` interface to this module, so no conversion is needed).

#![allow(missing_docs)] // the generated items carry the WIT documentation

wit_bindgen::generate!({
    path: "../../wit/0.2",
    world: "types-only",
    inline: "
        package dailyx:model;
        world types-only {
            import dailyx:agent/types@0.2.0;
        }
    ",
    additional_derives: [serde::Serialize, serde::Deserialize, PartialEq],
    generate_all,
});

pub use dailyx::agent::types::*;

// wit-bindgen implements Display and Error for AgentError (its name ends in "error").

impl Severity {
    /// Severities ordered: info < warn < fail.
    pub fn rank(self) -> u8 {
        match self {
            Severity::Info => 0,
            Severity::Warn => 1,
            Severity::Fail => 2,
        }
    }
}

impl Verdict {
    /// The verdict implied by the worst finding.
    pub fn from_findings(findings: &[Finding]) -> Verdict {
        match findings.iter().map(|f| f.severity.rank()).max() {
            Some(2) => Verdict::Fail,
            Some(1) => Verdict::Warn,
            _ => Verdict::Pass,
        }
    }
}
