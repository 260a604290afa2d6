//! The component: the writer over the host's `llm` capability.
//! (The interface's `use types.{..}` brings `RunContext`, `ThreadPlan`, `Material`, `StyleGuide`,
//! `Draft` and `AgentError` into scope.)

use dailyx_sdk::llm_client::HostLlm;

dailyx_sdk::generate!("writer", "../../wit/0.2");
use exports::dailyx::agent::writer_api::*;

struct Component;

impl Guest for Component {
    fn write(
        ctx: RunContext,
        plan: ThreadPlan,
        materials: Vec<Material>,
        style: StyleGuide,
    ) -> Result<Draft, AgentError> {
        dailyx_sdk::init();
        let defaults = crate::Settings::default();
        let settings = crate::Settings {
            model: dailyx_sdk::config_json("model")?,
            temperature: dailyx_sdk::config_json("temperature")?.unwrap_or(defaults.temperature),
        };
        let draft = crate::write(&ctx, &plan, &materials, &style, &HostLlm, &settings)?;
        dailyx_sdk::info(&format!(
            "wrote {} tweets with model {}",
            draft.tweets.len(),
            draft.model_used
        ));
        Ok(draft)
    }
}

export!(Component);
