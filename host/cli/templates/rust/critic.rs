//! {{name}}: a Critic. Flags tweets that name no material behind them; proposes no revision.

use dailyx::agent::types::{Critique, Finding, Severity, TokenUsage};

wit_bindgen::generate!({ path: "wit", world: "critic", generate_all });
use exports::dailyx::agent::critic_api::*;

struct Component;

impl Guest for Component {
    fn critique(_ctx: RunContext, draft: Draft, _materials: Vec<Material>, _style: StyleGuide)
        -> Result<Critique, AgentError> {
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
