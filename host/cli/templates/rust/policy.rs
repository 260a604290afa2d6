//! {{name}}: a Policy. Blocks tweets over the length limit or containing a blocked term.

use dailyx::agent::types::{Finding, Severity, Verdict};

wit_bindgen::generate!({ path: "wit", world: "policy", generate_all });
use exports::dailyx::agent::policy_api::*;

struct Component;

impl Guest for Component {
    fn check(_ctx: RunContext, draft: Draft, rules: PolicyRules) -> Result<PolicyReport, AgentError> {
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

/// X's weighted length: CJK and emoji weigh 2, most other characters 1 (X also counts each
/// URL as 23, which this does not).
fn weighted_length(text: &str) -> u32 {
    let weight = |c: char| if matches!(c as u32, 0..=4351 | 8192..=8205 | 8208..=8223 | 8242..=8247) { 1 } else { 2 };
    text.chars().map(weight).sum()
}

export!(Component);
