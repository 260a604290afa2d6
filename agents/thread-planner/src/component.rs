//! The component: the planner with its settings from config.
//! (The interface's `use types.{..}` brings `RunContext`, `Material`, `Selection`, `StyleGuide`,
//! `ThreadPlan` and `AgentError` into scope.)

use dailyx_sdk::model::PostFormat;

dailyx_sdk::generate!("thread-planner", "../../wit/0.2");
use exports::dailyx::agent::thread_planner_api::*;

struct Component;

impl Guest for Component {
    fn plan(
        ctx: RunContext,
        selection: Selection,
        materials: Vec<Material>,
        style: StyleGuide,
    ) -> Result<ThreadPlan, AgentError> {
        dailyx_sdk::init();
        let settings = crate::Settings {
            max_tweets: dailyx_sdk::config_json("max_tweets")?
                .unwrap_or(crate::Settings::default().max_tweets),
        };
        let plan = crate::plan(&ctx, &selection, &materials, &style, &settings)?;
        dailyx_sdk::info(&format!(
            "planned a {} with {} beats",
            match plan.format {
                PostFormat::Single => "single post",
                PostFormat::Thread => "thread",
            },
            plan.beats.len()
        ));
        Ok(plan)
    }
}

export!(Component);
