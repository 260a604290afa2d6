//! The component: the policy checks, which need no host capability.
//! (The world's `use types.{..}` brings `RunContext`, `Draft`, `PolicyRules`, `PolicyReport` and
//! `AgentError` into scope.)

use dailyx_sdk::model::Verdict;

dailyx_sdk::generate!("policy", "../../wit");

struct Component;

impl Guest for Component {
    fn check(
        ctx: RunContext,
        draft: Draft,
        rules: PolicyRules,
    ) -> Result<PolicyReport, AgentError> {
        dailyx_sdk::init();
        let report = crate::check(&ctx, &draft, &rules)?;
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

export!(Component);
