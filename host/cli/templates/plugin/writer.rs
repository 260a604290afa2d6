//! {{name}}: a Writer. One tweet per beat, from the beat's summary, cut to X's limit.
#![cfg(target_arch = "wasm32")]

use dailyx_sdk::model::{TokenUsage, Tweet};
use dailyx_sdk::xtext::truncate_to;

dailyx_sdk::generate!("writer", "wit");
use exports::dailyx::agent::writer_api::*;

struct Component;

impl Guest for Component {
    fn write(_ctx: RunContext, plan: ThreadPlan, _materials: Vec<Material>, _style: StyleGuide)
        -> Result<Draft, AgentError> {
        dailyx_sdk::init();
        let beats = plan.beats.iter().take(plan.max_tweets as usize);
        let tweets = beats.enumerate().map(|(i, beat)| Tweet {
            position: i as u32,
            text: truncate_to(&beat.summary, plan.max_weighted_length),
            material_ids: beat.material_ids.clone(), // provenance: what backs the tweet
        });
        let usage = TokenUsage { prompt: 0, completion: 0 };
        Ok(Draft { tweets: tweets.collect(), model_used: "none".into(), usage, notes: vec![] })
    }
}

export!(Component);
