//! Rule checks: the review that needs no LLM and always runs.

use std::collections::BTreeSet;

use dailyx_model::{Draft, Finding, Material, Severity, StyleGuide, Tweet};

use crate::text;

/// Openers that say nothing: the reader learns what happened only after them.
pub const GENERIC_OPENERS: &[&str] = &[
    "today we",
    "we are excited",
    "we're excited",
    "we are thrilled",
    "we're thrilled",
    "we are happy to",
    "we're happy to",
    "we are pleased",
    "we're pleased",
    "we are proud",
    "we're proud",
    "exciting news",
    "big news",
    "check out",
    "hey everyone",
    "hi everyone",
    "in this thread",
    "new update",
    "just wanted to",
];
/// A thread's hook longer than this (weighted) loses the skim-reader.
pub const MAX_HOOK_LENGTH: u32 = 200;
/// Sentences longer than this (words) are hard to read in a feed.
pub const MAX_SENTENCE_WORDS: usize = 30;

/// Every rule finding for `draft`, tweet by tweet.
pub fn check(draft: &Draft, materials: &[Material], style: &StyleGuide) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut tweets: Vec<&Tweet> = draft.tweets.iter().collect();
    tweets.sort_by_key(|t| t.position);
    if let Some(hook) = tweets.first() {
        check_hook(hook, tweets.len() > 1, &mut findings);
    }
    for tweet in &tweets {
        check_banned(tweet, style, &mut findings);
        check_provenance(tweet, materials, &mut findings);
        check_claims(tweet, materials, &mut findings);
        check_clarity(tweet, &mut findings);
        check_hashtags(tweet, style, &mut findings);
    }
    findings
}

fn push(
    findings: &mut Vec<Finding>,
    code: &str,
    severity: Severity,
    message: String,
    tweet: &Tweet,
) {
    findings.push(Finding {
        code: code.into(),
        severity,
        message,
        tweet_position: Some(tweet.position),
    });
}

/// The generic opener `text` starts with, if any (leading emoji ignored).
pub fn generic_opener(text: &str) -> Option<&'static str> {
    let start = text
        .trim_start_matches(|c: char| !c.is_alphanumeric())
        .to_ascii_lowercase();
    let start = start.replace('’', "'");
    GENERIC_OPENERS
        .iter()
        .copied()
        .find(|o| start.starts_with(o))
}

fn check_hook(hook: &Tweet, is_thread: bool, findings: &mut Vec<Finding>) {
    if let Some(opener) = generic_opener(&hook.text) {
        push(
            findings,
            "hook.generic",
            Severity::Warn,
            format!(
                "The hook opens with \"{opener}…\", which says nothing yet; lead with what changed for the reader."
            ),
            hook,
        );
    }
    let length = dailyx_xtext::weighted_length(&hook.text);
    if is_thread && length > MAX_HOOK_LENGTH {
        push(
            findings,
            "hook.too-long",
            Severity::Warn,
            format!(
                "The hook is {length} characters; keep a thread's first tweet under {MAX_HOOK_LENGTH} so it reads at a glance."
            ),
            hook,
        );
    }
}

fn check_banned(tweet: &Tweet, style: &StyleGuide, findings: &mut Vec<Finding>) {
    for phrase in &style.banned_phrases {
        if text::find_word(&tweet.text, phrase).is_some() {
            push(
                findings,
                "style.banned-phrase",
                Severity::Fail,
                format!(
                    "Tweet {} uses \"{}\", which the persona never says.",
                    tweet.position + 1,
                    phrase.trim()
                ),
                tweet,
            );
        }
    }
}

fn check_provenance(tweet: &Tweet, materials: &[Material], findings: &mut Vec<Finding>) {
    let n = tweet.position + 1;
    if tweet.material_ids.is_empty() {
        push(
            findings,
            "provenance.missing",
            Severity::Warn,
            format!("Tweet {n} names no material it is based on."),
            tweet,
        );
    }
    for id in &tweet.material_ids {
        if !materials.iter().any(|m| &m.id == id) {
            push(
                findings,
                "provenance.unknown-material",
                Severity::Warn,
                format!("Tweet {n} names material \"{id}\", which is not among the materials."),
                tweet,
            );
        }
    }
}

/// Numbers, percentages and versions must appear in the tweet's materials
/// (in any material when the tweet names none). A count equal to the number
/// of materials behind the tweet ("3 things shipped") is backed by them.
fn check_claims(tweet: &Tweet, materials: &[Material], findings: &mut Vec<Finding>) {
    let own: Vec<&Material> = materials
        .iter()
        .filter(|m| tweet.material_ids.contains(&m.id))
        .collect();
    let sources = if tweet.material_ids.is_empty() {
        materials.iter().collect()
    } else {
        own
    };
    let backed: BTreeSet<String> = sources
        .iter()
        .flat_map(|m| [m.title.as_str(), m.body.as_str()])
        .flat_map(|t| text::claims(t).into_iter().map(|(core, _)| core))
        .collect();
    let count = tweet.material_ids.len().to_string();
    let mut reported = BTreeSet::new();
    for (core, quoted) in text::claims(&tweet.text) {
        if backed.contains(&core) || core == count || !reported.insert(core) {
            continue;
        }
        push(
            findings,
            "claim.unbacked",
            Severity::Warn,
            format!(
                "Tweet {} claims \"{quoted}\", which none of its materials mention.",
                tweet.position + 1
            ),
            tweet,
        );
    }
}

fn check_clarity(tweet: &Tweet, findings: &mut Vec<Finding>) {
    let longest = text::sentences(&tweet.text)
        .into_iter()
        .map(|s| text::words(s).len())
        .max()
        .unwrap_or(0);
    if longest > MAX_SENTENCE_WORDS {
        push(
            findings,
            "clarity.long-sentence",
            Severity::Warn,
            format!(
                "Tweet {} has a sentence of {longest} words; split it (at most {MAX_SENTENCE_WORDS}).",
                tweet.position + 1
            ),
            tweet,
        );
    }
}

fn check_hashtags(tweet: &Tweet, style: &StyleGuide, findings: &mut Vec<Finding>) {
    let count = tweet
        .text
        .split_whitespace()
        .filter(|w| w.starts_with('#') && w.len() > 1)
        .count();
    if count > style.max_hashtags as usize {
        push(
            findings,
            "style.too-many-hashtags",
            Severity::Warn,
            format!(
                "Tweet {} has {count} hashtags; the style allows {}.",
                tweet.position + 1,
                style.max_hashtags
            ),
            tweet,
        );
    }
}
