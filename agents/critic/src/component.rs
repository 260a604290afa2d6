//! The component: the critic over the host's `llm` capability.
//! (The interface's `use types.{..}` brings `RunContext`, `Draft`, `Material`, `StyleGuide`,
//! `Critique` and `AgentError` into scope.)

use dailyx_sdk::llm_client::HostLlm;

dailyx_sdk::generate!("critic", "../../wit/0.2");
use dailyx_sdk::model::Critique;
use exports::dailyx::agent::critic_api::*;

struct Component;

impl Guest for Component {
    fn critique(
        ctx: RunContext,
        draft: Draft,
        materials: Vec<Material>,
        style: StyleGuide,
    ) -> Result<Critique, AgentError> {
        dailyx_sdk::init();
        let settings = crate::Settings {
            model: dailyx_sdk::config_json("model")?,
        };
        let critique = crate::critique(&ctx, &draft, &materials, &style, &HostLlm, &settings)?;
        dailyx_sdk::info(&format!(
            "critique score {} with {} findings (model {})",
            critique.score,
            critique.findings.len(),
            critique.model_used
        ));
        Ok(critique)
    }
}

export!(Component);
