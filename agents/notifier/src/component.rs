//! The component: the notifier with its settings from config.
//! (The interface's `use types.{..}` brings `RunContext`, `Draft`, `PolicyReport`, `ActionLink`,
//! `Notification` and `AgentError` into scope.)

dailyx_sdk::generate!("notifier", "../../wit/0.2");
use exports::dailyx::agent::notifier_api::*;

struct Component;

impl Guest for Component {
    fn compose(
        ctx: RunContext,
        draft: Draft,
        report: PolicyReport,
        links: Vec<ActionLink>,
    ) -> Result<Notification, AgentError> {
        dailyx_sdk::init();
        let settings = crate::Settings {
            product_name: dailyx_sdk::config_json("product_name")?
                .unwrap_or_else(|| crate::DEFAULT_PRODUCT_NAME.to_owned()),
        };
        let notification = crate::compose(&ctx, &draft, &report, &links, &settings)?;
        dailyx_sdk::info(&format!("composed \"{}\"", notification.subject));
        Ok(notification)
    }
}

export!(Component);
