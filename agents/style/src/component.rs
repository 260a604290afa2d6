//! The component: the style logic with its settings from config.
//! (The interface's `use types.{..}` brings `RunContext`, `Persona`, `StyleGuide` and `AgentError` into
//! scope.)

dailyx_sdk::generate!("style", "../../wit/0.2");
use exports::dailyx::agent::style_api::*;

struct Component;

impl Guest for Component {
    fn style(
        ctx: RunContext,
        persona: Persona,
        approved_posts: Vec<String>,
    ) -> Result<StyleGuide, AgentError> {
        dailyx_sdk::init();
        let defaults = crate::Settings::default();
        let settings = crate::Settings {
            max_examples: dailyx_sdk::config_json("max_examples")?.unwrap_or(defaults.max_examples),
            target_length: dailyx_sdk::config_json("target_length")?
                .unwrap_or(defaults.target_length),
        };
        let guide = crate::style(&ctx, &persona, &approved_posts, &settings)?;
        dailyx_sdk::info(&format!(
            "style for {}: target {} chars, {} preferred phrases",
            guide.persona_id,
            guide.target_length,
            guide.preferred_phrases.len()
        ));
        Ok(guide)
    }
}

export!(Component);
