//! {{name}}: a Policy. Blocks tweets over the length limit or containing a blocked term.
#![cfg(target_arch = "wasm32")]

use dailyx_sdk::model::{Finding, Severity, Verdict};
use dailyx_sdk::xtext::weighted_length;

dailyx_sdk::generate!("policy", "wit");
use exports::dailyx::agent::policy_api::*;

struct Component;

impl Guest for Component {
    fn check(_ctx: RunContext, draft: Draft, rules: PolicyRules) -> Result<PolicyReport, AgentError> {
        dailyx_sdk::init();
        let mut findings = Vec::new();
        let lengths: Vec<u32> = draft.tweets.iter().map(|t| weighted_length(&t.text)).collect();
        for (t, len) in draft.tweets.iter().zip(&lengths) {
            let lower = t.text.to_lowercase();
            let term = rules.blocked_terms.iter().find(|b| lower.contains(&b.to_lowercase()));
            let why = match term {
                Some(b) => format!("contains the blocked term \"{b}\""),
                None if *len > rules.max_weighted_length => format!("is {len} characters long"),
                None => continue,
            };
            findings.push(Finding {
                code: "policy.blocked".into(),
                severity: Severity::Fail,
                message: format!("Tweet {} {why}.", t.position + 1),
                tweet_position: Some(t.position),
            });
        }
        let verdict = if findings.is_empty() { Verdict::Pass } else { Verdict::Fail };
        Ok(PolicyReport { verdict, findings, weighted_lengths: lengths })
    }
}

export!(Component);
