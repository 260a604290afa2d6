//! Notifier: composes the message that asks a reviewer to act on a draft.
//!
//! The subject says the date and the verdict; the body shows each tweet
//! with its weighted length, the policy findings, the writer's notes and
//! the action links (approve, edit, skip). The HTML body escapes everything
//! that came from the draft, and only web links become buttons.

#[cfg(target_arch = "wasm32")]
mod component;

pub mod html;

use dailyx_model::{
    ActionLink, AgentError, Draft, Finding, Notification, PolicyReport, RunContext, Severity,
    Tweet, Verdict,
};
use serde::Deserialize;

/// Settings (config keys of the same names).
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Product name shown in the subject.
    pub product_name: String,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            product_name: DEFAULT_PRODUCT_NAME.into(),
        }
    }
}

/// The product name when none is configured.
pub const DEFAULT_PRODUCT_NAME: &str = "Daily X Agent";

/// Actions in the order they are offered; others follow in their own order.
const ACTION_ORDER: &[&str] = &["approve", "edit", "skip"];

/// Composes the notification for `draft` and its policy report.
pub fn compose(
    ctx: &RunContext,
    draft: &Draft,
    report: &PolicyReport,
    links: &[ActionLink],
    settings: &Settings,
) -> Result<Notification, AgentError> {
    let date = single_line(&ctx.date);
    if date.is_empty() {
        return Err(AgentError::InvalidInput("the run has no date".into()));
    }
    let product = match single_line(&settings.product_name) {
        name if name.is_empty() => DEFAULT_PRODUCT_NAME.to_owned(),
        name => name,
    };
    let verdict = verdict_word(report.verdict);
    let mut tweets: Vec<&Tweet> = draft.tweets.iter().collect();
    tweets.sort_by_key(|t| t.position);
    let links = ordered_links(links);
    let view = View {
        ctx,
        date: &date,
        product: &product,
        verdict,
        draft,
        report,
        tweets: &tweets,
        links: &links,
    };
    Ok(Notification {
        subject: format!("[{product}] Draft for {date} — {verdict}"),
        text: view.text(),
        html: view.html(),
    })
}

/// Header values must be one line: a newline in a subject could inject
/// e-mail headers.
fn single_line(text: &str) -> String {
    text.split(|c: char| c.is_control())
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn verdict_word(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Pass => "pass",
        Verdict::Warn => "warn",
        Verdict::Fail => "fail",
    }
}

fn severity_word(severity: Severity) -> &'static str {
    match severity {
        Severity::Info => "info",
        Severity::Warn => "warn",
        Severity::Fail => "fail",
    }
}

fn ordered_links(links: &[ActionLink]) -> Vec<&ActionLink> {
    let rank = |a: &ActionLink| {
        ACTION_ORDER
            .iter()
            .position(|o| a.action.eq_ignore_ascii_case(o))
            .unwrap_or(ACTION_ORDER.len())
    };
    let mut ordered: Vec<&ActionLink> = links.iter().collect();
    ordered.sort_by_key(|a| rank(a));
    ordered
}

fn label(action: &str) -> String {
    let action = single_line(action);
    let mut chars = action.chars();
    chars.next().map_or_else(
        || "Open".to_owned(),
        |c| c.to_uppercase().chain(chars).collect(),
    )
}

/// Everything the two bodies show.
struct View<'a> {
    ctx: &'a RunContext,
    date: &'a str,
    product: &'a str,
    verdict: &'static str,
    draft: &'a Draft,
    report: &'a PolicyReport,
    tweets: &'a [&'a Tweet],
    links: &'a [&'a ActionLink],
}

impl View<'_> {
    fn length_of(&self, index: usize) -> String {
        self.report
            .weighted_lengths
            .get(index)
            .map_or_else(|| "?".to_owned(), u32::to_string)
    }

    fn has_approve(&self) -> bool {
        self.links
            .iter()
            .any(|l| l.action.eq_ignore_ascii_case("approve") && html::is_safe_link(&l.url))
    }

    fn finding_line(f: &Finding) -> String {
        let at = f
            .tweet_position
            .map(|p| format!(" (tweet {})", p + 1))
            .unwrap_or_default();
        format!(
            "[{}] {}{at}: {}",
            severity_word(f.severity),
            f.code,
            f.message
        )
    }

    fn text(&self) -> String {
        let mut t = format!(
            "{} — draft for {} (run {})\nPolicy verdict: {}\nWritten by: {}\n",
            self.product, self.date, self.ctx.run_id, self.verdict, self.draft.model_used
        );
        if self.ctx.dry_run {
            t.push_str("Dry run: approving will not publish.\n");
        }
        let n = self.tweets.len();
        t.push_str(&format!("\nTweets ({n}):\n"));
        if n == 0 {
            t.push_str("The draft has no tweets.\n");
        }
        for (i, tweet) in self.tweets.iter().enumerate() {
            t.push_str(&format!(
                "\n{}/{n} ({} chars)\n{}\n",
                i + 1,
                self.length_of(i),
                tweet.text
            ));
        }
        t.push_str("\nFindings:\n");
        if self.report.findings.is_empty() {
            t.push_str("- none\n");
        }
        for f in &self.report.findings {
            t.push_str(&format!("- {}\n", Self::finding_line(f)));
        }
        if !self.draft.notes.is_empty() {
            t.push_str("\nNotes from the writer:\n");
            for note in &self.draft.notes {
                t.push_str(&format!("- {note}\n"));
            }
        }
        t.push_str("\nActions:\n");
        for link in self.links.iter().filter(|l| html::is_safe_link(&l.url)) {
            t.push_str(&format!("{}: {}\n", label(&link.action), link.url.trim()));
        }
        if !self.has_approve() {
            t.push_str("No approve link came with this draft: approve it from the console.\n");
        }
        t
    }

    fn html(&self) -> String {
        let e = html::escape;
        let mut h = String::from(
            "<!doctype html>\n<html><head><meta charset=\"utf-8\"></head><body>\
             <div style=\"font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;color:#0f1419;max-width:600px\">\n",
        );
        h.push_str(&format!(
            "<h2>{} — draft for {}</h2>\n<p>Policy verdict: <strong>{}</strong> · written by {} · run {}</p>\n",
            e(self.product),
            e(self.date),
            e(self.verdict),
            e(&self.draft.model_used),
            e(&self.ctx.run_id)
        ));
        if self.ctx.dry_run {
            h.push_str("<p><em>Dry run: approving will not publish.</em></p>\n");
        }
        let n = self.tweets.len();
        if n == 0 {
            h.push_str("<p>The draft has no tweets.</p>\n");
        }
        for (i, tweet) in self.tweets.iter().enumerate() {
            h.push_str(&format!(
                "<div style=\"border:1px solid #cfd9de;border-radius:12px;padding:12px;margin:8px 0\">\
                 <div style=\"color:#536471;font-size:13px\">{}/{n} · {} chars</div>\
                 <div style=\"white-space:pre-wrap\">{}</div></div>\n",
                i + 1,
                e(&self.length_of(i)),
                e(&tweet.text)
            ));
        }
        h.push_str("<h3>Findings</h3>\n<ul>\n");
        if self.report.findings.is_empty() {
            h.push_str("<li>none</li>\n");
        }
        for f in &self.report.findings {
            h.push_str(&format!("<li>{}</li>\n", e(&Self::finding_line(f))));
        }
        h.push_str("</ul>\n");
        if !self.draft.notes.is_empty() {
            h.push_str("<h3>Notes from the writer</h3>\n<ul>\n");
            for note in &self.draft.notes {
                h.push_str(&format!("<li>{}</li>\n", e(note)));
            }
            h.push_str("</ul>\n");
        }
        h.push_str("<p>\n");
        for link in self.links.iter().filter(|l| html::is_safe_link(&l.url)) {
            let colour = if link.action.eq_ignore_ascii_case("approve") {
                "#1d9bf0"
            } else {
                "#536471"
            };
            h.push_str(&format!(
                "<a href=\"{}\" style=\"display:inline-block;padding:10px 18px;margin:4px;border-radius:18px;\
                 background:{colour};color:#fff;text-decoration:none;font-weight:bold\">{}</a>\n",
                e(link.url.trim()),
                e(&label(&link.action))
            ));
        }
        h.push_str("</p>\n");
        if !self.has_approve() {
            h.push_str(
                "<p>No approve link came with this draft: approve it from the console.</p>\n",
            );
        }
        h.push_str("</div></body></html>\n");
        h
    }
}

#[cfg(test)]
mod tests;
