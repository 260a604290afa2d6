//! {{name}}: a Critic. Flags tweets that name no material behind them; proposes no revision.
#![cfg(target_arch = "wasm32")]

use dailyx_sdk::model::{Finding, Severity, TokenUsage};

dailyx_sdk::generate!("critic", "wit");
use dailyx_sdk::model::Critique;
use exports::dailyx::agent::critic_api::*;

struct Component;

impl Guest for Component {
    fn critique(_ctx: RunContext, draft: Draft, _materials: Vec<Material>, _style: StyleGuide)
        -> Result<Critique, AgentError> {
        dailyx_sdk::init();
        let findings: Vec<Finding> = draft.tweets.iter().filter(|t| t.material_ids.is_empty())
            .map(|t| Finding {
                code: "provenance.missing".into(),
                severity: Severity::Warn,
                message: format!("Tweet {} names no material behind it.", t.position + 1),
                tweet_position: Some(t.position),
            })
            .collect();
        Ok(Critique {
            score: 100u32.saturating_sub(20 * findings.len() as u32),
            summary: format!("{} finding(s).", findings.len()),
            findings,
            revision: None,
            model_used: "none".into(),
            usage: TokenUsage { prompt: 0, completion: 0 },
        })
    }
}

export!(Component);
