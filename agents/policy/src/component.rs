//! The component: the policy checks, which need no host capability.
//! (The interface's `use types.{..}` brings `RunContext`, `Draft`, `PolicyRules`, `PolicyReport` and
//! `AgentError` into scope.)

use dailyx_sdk::model::Verdict;

dailyx_sdk::generate!("policy", "../../wit/0.2");
use exports::dailyx::agent::policy_api::*;

struct Component;

impl Guest for Component {
    fn check(
        ctx: RunContext,
        draft: Draft,
        rules: PolicyRules,
    ) -> Result<PolicyReport, AgentError> {
        dailyx_sdk::init();
        let settings = crate::Settings {
            allowed_link_domains: dailyx_sdk::config_json::<LinkDomains>("allowed_link_domains")?
                .map(LinkDomains::into_list)
                .unwrap_or_default(),
        };
        let report = crate::check_with(&ctx, &draft, &rules, &settings)?;
        dailyx_sdk::info(&format!(
            "policy verdict {} with {} findings",
            match report.verdict {
                Verdict::Pass => "pass",
                Verdict::Warn => "warn",
                Verdict::Fail => "fail",
            },
            report.findings.len()
        ));
        Ok(report)
    }
}

/// `allowed_link_domains`: a list, or one string of domains separated by commas or spaces.
#[derive(serde::Deserialize)]
#[serde(untagged)]
enum LinkDomains {
    List(Vec<String>),
    Text(String),
}

impl LinkDomains {
    fn into_list(self) -> Vec<String> {
        match self {
            LinkDomains::List(list) => list,
            LinkDomains::Text(text) => text
                .split(|c: char| c == ',' || c.is_whitespace())
                .filter(|d| !d.is_empty())
                .map(str::to_owned)
                .collect(),
        }
    }
}

export!(Component);
