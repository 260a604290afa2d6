//! Provenance: the materials behind a draft's tweets, read back from the run's recorded
//! collector output (the only place the full materials, with their links, are kept).

use crate::steps::Step;
use dailyx_runtime::StageOutput;
use dailyx_runtime::types::Material;
use dailyx_store::StepLog;

/// The materials the collector step of `steps` returned (empty when it did not succeed or its
/// record cannot be read).
pub fn collected_materials(steps: &[StepLog]) -> Vec<Material> {
    steps
        .iter()
        .filter(|s| Step::at(s.step) == Some(Step::Collect) && s.status == "succeeded")
        .filter_map(|s| s.output.as_ref())
        .filter_map(|o| serde_json::from_value::<StageOutput>(o.0.clone()).ok())
        .flat_map(|o| match o {
            StageOutput::Materials(all) => all,
            _ => Vec::new(),
        })
        .collect()
}
