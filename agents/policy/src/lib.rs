//! Policy: the rules a post must meet before a human is asked to look at it.
//!
//! Every check is deterministic and local: X's weighted length, blocked
//! terms, secrets, personal data, link hygiene and near-duplicates of recent
//! posts. Failing findings block publishing; warnings ask the reviewer to
//! look. The verdict is the worst finding.

#[cfg(target_arch = "wasm32")]
mod component;

pub mod blocked;
pub mod links;
pub mod pii;
pub mod secrets;
pub mod similarity;

use dailyx_model::{
    AgentError, Draft, Finding, PolicyReport, PolicyRules, RunContext, Severity, Tweet, Verdict,
};
/// X's weighted length, as this agent checks it (see `dailyx-xtext`).
pub use dailyx_xtext::weighted_length;
use links::LinkProblem;
use serde::Deserialize;

/// The operator's settings (config keys of the same names).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Domains a post may link to (and their subdomains); a link elsewhere is a warning for
    /// the reviewer. Empty: every domain.
    pub allowed_link_domains: Vec<String>,
}

/// Checks `draft` against `rules` with the default settings.
pub fn check(
    ctx: &RunContext,
    draft: &Draft,
    rules: &PolicyRules,
) -> Result<PolicyReport, AgentError> {
    check_with(ctx, draft, rules, &Settings::default())
}

/// Checks `draft` against `rules` and the operator's `settings`.
///
/// A draft that breaks the rules is not an error: it gets a `fail` verdict
/// with findings saying why. Only unusable input (a zero length limit, two
/// tweets at one position) is an error.
pub fn check_with(
    _ctx: &RunContext,
    draft: &Draft,
    rules: &PolicyRules,
    settings: &Settings,
) -> Result<PolicyReport, AgentError> {
    if rules.max_weighted_length == 0 {
        return Err(AgentError::InvalidInput(
            "max_weighted_length must be positive".into(),
        ));
    }
    let mut tweets: Vec<&Tweet> = draft.tweets.iter().collect();
    tweets.sort_by_key(|t| t.position);
    if let Some(pair) = tweets.windows(2).find(|w| w[0].position == w[1].position) {
        return Err(AgentError::InvalidInput(format!(
            "two tweets at position {}",
            pair[0].position
        )));
    }

    let mut findings = Vec::new();
    if tweets.is_empty() {
        findings.push(finding(
            "draft.empty",
            Severity::Fail,
            "The draft has no tweets.".into(),
            None,
        ));
    }
    let mut weighted_lengths = Vec::with_capacity(tweets.len());
    for tweet in &tweets {
        let length = weighted_length(&tweet.text);
        weighted_lengths.push(length);
        check_tweet(tweet, length, rules, settings, &mut findings);
    }
    check_duplicates(&tweets, &rules.recent_posts, &mut findings);

    Ok(PolicyReport {
        verdict: Verdict::from_findings(&findings),
        findings,
        weighted_lengths,
    })
}

fn finding(
    code: &str,
    severity: Severity,
    message: String,
    tweet_position: Option<u32>,
) -> Finding {
    Finding {
        code: code.into(),
        severity,
        message,
        tweet_position,
    }
}

fn check_tweet(
    tweet: &Tweet,
    length: u32,
    rules: &PolicyRules,
    settings: &Settings,
    findings: &mut Vec<Finding>,
) {
    let at = Some(tweet.position);
    let n = tweet.position + 1;
    if tweet.text.trim().is_empty() {
        findings.push(finding(
            "tweet.empty",
            Severity::Fail,
            format!("Tweet {n} is empty."),
            at,
        ));
        return;
    }
    if length > rules.max_weighted_length {
        findings.push(finding(
            "length.over-limit",
            Severity::Fail,
            format!(
                "Tweet {n} is {length} weighted characters; the limit is {}.",
                rules.max_weighted_length
            ),
            at,
        ));
    }
    for term in blocked::find_blocked_terms(&tweet.text, &rules.blocked_terms) {
        findings.push(finding(
            "policy.blocked-term",
            Severity::Fail,
            format!("Tweet {n} contains the blocked term \"{term}\"."),
            at,
        ));
    }
    for hit in secrets::find_secrets(&tweet.text) {
        findings.push(finding(
            hit.code,
            Severity::Fail,
            format!(
                "Tweet {n} contains what looks like {} ({}). Remove it and rotate the credential.",
                hit.what, hit.redacted
            ),
            at,
        ));
    }
    for email in pii::find_emails(&tweet.text) {
        findings.push(finding(
            "pii.email",
            Severity::Warn,
            format!("Tweet {n} contains an e-mail address ({email})."),
            at,
        ));
    }
    for phone in pii::find_phone_numbers(&tweet.text) {
        findings.push(finding(
            "pii.phone",
            Severity::Warn,
            format!("Tweet {n} contains a phone number ({phone})."),
            at,
        ));
    }
    let unlisted = links::unlisted_links(&tweet.text, &settings.allowed_link_domains);
    for problem in links::check_links(&tweet.text).into_iter().chain(unlisted) {
        let (code, message) = match problem {
            LinkProblem::Insecure(url) => (
                "link.insecure",
                format!("Tweet {n} links over plain HTTP: {url}; use https."),
            ),
            LinkProblem::Shortener(url) => (
                "link.shortener",
                format!("Tweet {n} uses a URL shortener ({url}); link the destination instead."),
            ),
            LinkProblem::Unlisted(url, host) => (
                "link.unlisted-domain",
                format!(
                    "Tweet {n} links to {host}, which is not one of the allowed link domains \
                     ({}): {url}. Check where it leads before approving.",
                    settings.allowed_link_domains.join(", ")
                ),
            ),
        };
        findings.push(finding(code, Severity::Warn, message, at));
    }
}

/// One finding per recent post the draft repeats: compared as a whole
/// (recent posts may be whole threads) and tweet by tweet.
fn check_duplicates(tweets: &[&Tweet], recent_posts: &[String], findings: &mut Vec<Finding>) {
    let whole: String = tweets
        .iter()
        .map(|t| t.text.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    for post in recent_posts.iter().filter(|p| !p.trim().is_empty()) {
        let mut best = (similarity::similarity(&whole, post), None);
        for tweet in tweets {
            let s = similarity::similarity(&tweet.text, post);
            if s > best.0 {
                best = (s, Some(tweet.position));
            }
        }
        let (score, position) = best;
        if score >= similarity::DUPLICATE_THRESHOLD {
            let what = position.map_or("The draft".to_owned(), |p| format!("Tweet {}", p + 1));
            findings.push(finding(
                "duplicate.recent-post",
                Severity::Fail,
                format!(
                    "{what} is {:.0}% similar to a recent post: \"{}\".",
                    score * 100.0,
                    excerpt(post, 60)
                ),
                position,
            ));
        }
    }
}

fn excerpt(text: &str, max_chars: usize) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max_chars {
        return flat;
    }
    let cut: String = flat.chars().take(max_chars).collect();
    format!("{}…", cut.trim_end())
}

#[cfg(test)]
mod tests;
