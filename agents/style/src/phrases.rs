//! Preferred phrases: short word sequences that recur across approved posts.
//!
//! A phrase that shows up in two or more posts the reviewer approved is
//! probably part of the voice that works ("you can now", "thanks to").

use std::collections::{BTreeMap, BTreeSet};

/// At most this many phrases are kept.
pub const MAX_PHRASES: usize = 8;

/// Words that say nothing on their own; a phrase made only of these is not
/// a phrase worth preferring.
const STOPWORDS: &[&str] = &[
    "a", "an", "the", "and", "or", "but", "of", "to", "in", "on", "at", "for", "with", "by", "is",
    "are", "was", "were", "be", "it", "its", "this", "that", "as", "from", "we", "our", "you",
    "your", "i", "so", "if", "then", "than", "too", "not", "no",
];

/// Lower-cased words; links, mentions, hashtags and numbers are not voice.
fn words(text: &str) -> Vec<String> {
    text.split_whitespace()
        .filter(|w| !w.contains("://") && !w.starts_with('@') && !w.starts_with('#'))
        .map(|w| {
            w.trim_matches(|c: char| !c.is_alphanumeric() && c != '\'')
                .to_lowercase()
        })
        .filter(|w| !w.is_empty() && !w.chars().all(|c| c.is_ascii_digit()))
        .collect()
}

/// Two- and three-word phrases found in at least two different posts, the
/// most widespread first; a two-word phrase already inside a kept
/// three-word phrase found as often is left out. Phrases containing a
/// banned phrase are never preferred.
pub fn preferred_phrases(posts: &[String], banned: &[String]) -> Vec<String> {
    let mut posts_per_phrase: BTreeMap<String, usize> = BTreeMap::new();
    for post in posts {
        let words = words(post);
        let mut in_this_post = BTreeSet::new();
        for n in [2, 3] {
            for window in words.windows(n) {
                if window.iter().all(|w| STOPWORDS.contains(&w.as_str())) {
                    continue;
                }
                in_this_post.insert(window.join(" "));
            }
        }
        for phrase in in_this_post {
            *posts_per_phrase.entry(phrase).or_default() += 1;
        }
    }
    let banned: Vec<String> = banned
        .iter()
        .map(|b| b.trim().to_lowercase())
        .filter(|b| !b.is_empty())
        .collect();
    let mut candidates: Vec<(String, usize)> = posts_per_phrase
        .into_iter()
        .filter(|(phrase, count)| {
            *count >= 2 && !banned.iter().any(|b| phrase.contains(b.as_str()))
        })
        .collect();
    // Widespread first, longer first, then alphabetical for determinism.
    candidates.sort_by(|(a, ca), (b, cb)| {
        cb.cmp(ca)
            .then(b.split(' ').count().cmp(&a.split(' ').count()))
            .then(a.cmp(b))
    });
    let mut kept: Vec<(String, usize)> = Vec::new();
    for (phrase, count) in candidates {
        let inside_kept = kept.iter().any(|(longer, c)| {
            *c == count && format!(" {longer} ").contains(&format!(" {phrase} "))
        });
        if !inside_kept {
            kept.push((phrase, count));
        }
        if kept.len() == MAX_PHRASES {
            break;
        }
    }
    kept.into_iter().map(|(p, _)| p).collect()
}
