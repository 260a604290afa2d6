//! {{name}}: a Writer. One tweet per beat, from the beat's summary, cut to X's limit.

use dailyx::agent::types::{TokenUsage, Tweet};
wit_bindgen::generate!({ path: "wit", world: "writer", generate_all });
use exports::dailyx::agent::writer_api::*;

struct Component;

impl Guest for Component {
    fn write(_ctx: RunContext, plan: ThreadPlan, _materials: Vec<Material>, _style: StyleGuide)
        -> Result<Draft, AgentError> {
        let beats = plan.beats.iter().take(plan.max_tweets as usize);
        let tweets = beats.enumerate().map(|(i, beat)| Tweet {
            position: i as u32,
            text: cut(&beat.summary, plan.max_weighted_length),
            material_ids: beat.material_ids.clone(), // provenance: what backs the tweet
        });
        let usage = TokenUsage { prompt: 0, completion: 0 };
        Ok(Draft { tweets: tweets.collect(), model_used: "none".into(), usage, notes: vec![] })
    }
}

/// The longest prefix of `text` X weighs at most `limit` (CJK, emoji: 2; X's URL rule aside).
fn cut(text: &str, limit: u32) -> String {
    let weight = |c: char| if matches!(c as u32, 0..=4351 | 8192..=8205 | 8208..=8223 | 8242..=8247) { 1 } else { 2 };
    let mut used = 0;
    text.chars().take_while(|&c| { used += weight(c); used <= limit }).collect()
}

export!(Component);
