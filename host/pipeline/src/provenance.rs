//! Provenance: the materials behind a draft's tweets, read back from the run's recorded
//! collector output (the only place the full materials, with their links, are kept).

use crate::steps::Step;
use dailyx_runtime::types::Material;
use dailyx_runtime::{StageInput, StageOutput};
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

/// The tweets as the pipeline generated them (the text the policy step checked), for the
/// console's diff against an edit; `None` when the run has no recorded policy step.
pub fn generated_texts(steps: &[StepLog]) -> Option<Vec<String>> {
    steps
        .iter()
        .rev()
        .filter(|s| Step::at(s.step) == Some(Step::Check) && s.status == "succeeded")
        .find_map(
            |s| match serde_json::from_value::<StageInput>(s.input.0.clone()) {
                Ok(StageInput::Check { draft, .. }) => {
                    Some(draft.tweets.into_iter().map(|t| t.text).collect())
                }
                _ => None,
            },
        )
}
