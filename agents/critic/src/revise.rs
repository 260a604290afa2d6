//! The proposed revision: the fixes the rules can make safely by
//! themselves (a generic opener cut, banned phrases removed). Claims and
//! long sentences need a person or the LLM, so they are only reported.

use dailyx_model::{Draft, StyleGuide, Tweet};

use crate::{rules, text};

/// The revised tweets, or `None` when the rules would change nothing.
pub fn revise(draft: &Draft, style: &StyleGuide) -> Option<Vec<Tweet>> {
    let mut tweets = draft.tweets.clone();
    tweets.sort_by_key(|t| t.position);
    let first_position = tweets.first()?.position;
    let mut changed = false;
    for tweet in &mut tweets {
        let mut revised = tweet.text.clone();
        if tweet.position == first_position
            && let Some(hook) = rewrite_generic_hook(&revised)
        {
            revised = hook;
        }
        revised = remove_banned(&revised, &style.banned_phrases);
        if revised != tweet.text && !revised.trim().is_empty() {
            tweet.text = revised;
            changed = true;
        }
    }
    changed.then_some(tweets)
}

/// Filler that may follow a generic opener before the news starts.
const FILLER: &[&str] = &[
    "to announce",
    "announce",
    "to share",
    "share",
    "to introduce",
    "introduce",
    "to let you know",
    "let you know",
    "that",
    "about",
];

/// `We're excited to announce that dark mode is here!` → `Dark mode is here!`
pub fn rewrite_generic_hook(text: &str) -> Option<String> {
    let opener = rules::generic_opener(text)?;
    let text = text.replace('’', "'");
    // The opener matched right after any leading emoji or punctuation.
    let start = text.len()
        - text
            .trim_start_matches(|c: char| !c.is_alphanumeric())
            .len();
    let mut rest = text.get(start + opener.len()..)?;
    loop {
        rest = rest.trim_start_matches([' ', ':', ',', '!', '.', '-', '—']);
        let filler = FILLER.iter().find(|f| {
            rest.get(..f.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(f))
                && !rest[f.len()..].starts_with(|c: char| c.is_alphanumeric())
        });
        match filler {
            Some(f) => rest = &rest[f.len()..],
            None => break,
        }
    }
    let news = rest.trim();
    (!news.is_empty()).then(|| text::capitalise(news))
}

/// `text` without the banned phrases, spacing tidied.
pub fn remove_banned(text: &str, banned: &[String]) -> String {
    let mut out = text.to_owned();
    for phrase in banned {
        while let Some(at) = text::find_word(&out, phrase) {
            out.replace_range(at..at + phrase.trim().len(), "");
        }
    }
    if out == text {
        return out;
    }
    let mut tidy = out
        .split(' ')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    for (bad, good) in [
        (" ,", ","),
        (" .", "."),
        (" !", "!"),
        (" ?", "?"),
        (" :", ":"),
        ("( ", "("),
    ] {
        tidy = tidy.replace(bad, good);
    }
    tidy.trim().to_owned()
}
