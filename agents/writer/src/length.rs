//! Tweet length as X counts it, closely enough to fit text under the limit.
//!
//! Code points up to U+10FF and general punctuation weigh 1, the rest 2;
//! a URL counts 23 whatever its length. Emoji sequences are counted per
//! code point (joiners and variation selectors free), which can only
//! over-count: a tweet that fits here fits on X. The policy agent has the
//! exact counter.

const ELLIPSIS: &str = "…";

/// What a URL counts for on X.
pub const URL_WEIGHT: usize = 23;

/// The weighted length of `text`.
pub fn weighted_length(text: &str) -> usize {
    text.split_inclusive(char::is_whitespace)
        .map(|piece| {
            let word = piece.trim_end();
            let space = &piece[word.len()..];
            // X leaves trailing punctuation out of a link.
            let url = word.trim_end_matches(['.', ',', '!', '?', ')', ':', ';']);
            let word_weight = if is_url(url) {
                URL_WEIGHT + weight_of(&word[url.len()..])
            } else {
                weight_of(word)
            };
            word_weight + weight_of(space)
        })
        .sum()
}

fn weight_of(text: &str) -> usize {
    text.chars().map(char_weight).sum()
}

fn char_weight(c: char) -> usize {
    match u32::from(c) {
        0x200D | 0xFE0F => 0,
        0..=0x10FF | 0x2000..=0x200C | 0x2010..=0x201F | 0x2032..=0x2037 => 1,
        _ => 2,
    }
}

/// Whether a whitespace-free word is a URL (with its scheme).
pub fn is_url(word: &str) -> bool {
    let lower = word.get(..8).unwrap_or(word).to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

/// `text` shortened at a word boundary, with an ellipsis, so that it weighs
/// at most `max`; unchanged when it already fits.
pub fn truncate_to(text: &str, max: usize) -> String {
    if weighted_length(text) <= max {
        return text.to_owned();
    }
    // `…` (U+2026) lies outside the 1-weight ranges: it costs 2.
    let budget = max.saturating_sub(weight_of(ELLIPSIS));
    let mut out = String::new();
    for word in text.split_whitespace() {
        let candidate = if out.is_empty() {
            word.to_owned()
        } else {
            format!("{out} {word}")
        };
        if weighted_length(&candidate) > budget {
            break;
        }
        out = candidate;
    }
    if out.is_empty() {
        // One long word: cut it by characters.
        let mut used = 0;
        out = text
            .chars()
            .take_while(|c| {
                used += char_weight(*c);
                used <= budget
            })
            .collect();
    }
    let out = out.trim_end_matches([',', ';', ':', '-', '—', ' ']);
    if out.is_empty() {
        String::new()
    } else {
        format!("{out}{ELLIPSIS}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_like_x() {
        assert_eq!(weighted_length("hello"), 5);
        assert_eq!(weighted_length("สวัสดี"), 6);
        assert_eq!(weighted_length("日本"), 4);
        assert_eq!(
            weighted_length("see https://example.com/a/very/long/path"),
            4 + 23
        );
        assert_eq!(weighted_length("✨ new"), 6);
        assert_eq!(weighted_length("(see https://x.io)."), 5 + 23 + 2);
    }

    #[test]
    fn truncates_at_word_boundaries() {
        assert_eq!(truncate_to("short", 10), "short");
        assert_eq!(truncate_to("one two three four", 12), "one two…");
        assert_eq!(weighted_length("one two…"), 9, "the ellipsis weighs 2");
        assert!(weighted_length(&truncate_to(&"word ".repeat(100), 50)) <= 50);
        assert_eq!(truncate_to("abcdefghij", 5), "abc…");
        assert_eq!(truncate_to("first, second", 9), "first…");
    }
}
