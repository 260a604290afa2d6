//! The component: the curator logic with its settings from config.
//! (The interface's `use types.{..}` brings `RunContext`, `Material`, `Selection` and `AgentError` into
//! scope.)

dailyx_sdk::generate!("curator", "../../wit/0.2");
use exports::dailyx::agent::curator_api::*;

struct Component;

impl Guest for Component {
    fn curate(ctx: RunContext, materials: Vec<Material>) -> Result<Selection, AgentError> {
        dailyx_sdk::init();
        let defaults = crate::Settings::default();
        let settings = crate::Settings {
            max_picks: dailyx_sdk::config_json("max_picks")?.unwrap_or(defaults.max_picks),
            half_life_days: dailyx_sdk::config_json("half_life_days")?
                .unwrap_or(defaults.half_life_days),
        };
        let selection = crate::curate(&ctx, &materials, &settings)?;
        dailyx_sdk::info(&format!(
            "picked {} of {} materials",
            selection.picked.len(),
            materials.len()
        ));
        Ok(selection)
    }
}

export!(Component);
