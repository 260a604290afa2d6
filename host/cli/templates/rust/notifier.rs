//! {{name}}: a Notifier. A plain message with the draft, the verdict and the action links.

wit_bindgen::generate!({ path: "wit", world: "notifier", generate_all });
use exports::dailyx::agent::notifier_api::*;

struct Component;

impl Guest for Component {
    fn compose(ctx: RunContext, draft: Draft, report: PolicyReport, links: Vec<ActionLink>)
        -> Result<Notification, AgentError> {
        let tweets: Vec<String> = draft.tweets.iter().map(|t| format!("{}. {}", t.position + 1, t.text)).collect();
        let actions: Vec<String> = links.iter().map(|l| format!("{}: {}", l.action, l.url)).collect();
        let text = format!("{}\n\nPolicy: {:?}\n\n{}", tweets.join("\n\n"), report.verdict, actions.join("\n"));
        let html = format!("<pre>{}</pre>", text.replace('&', "&amp;").replace('<', "&lt;"));
        Ok(Notification { subject: format!("Draft for {} ready for review", ctx.date), text, html })
    }
}

export!(Component);
