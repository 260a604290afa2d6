//! Fitting text under a weighted-length limit.

use crate::weighted_length::weighted_length;

/// Marks text that was cut. U+2026 lies outside the 1-weight ranges: it
/// costs 2.
const ELLIPSIS: char = '…';

/// `text` shortened at a word boundary, with an ellipsis, so that it weighs
/// at most `max` by [`weighted_length`]; unchanged when it already fits.
///
/// Whitespace between the kept words becomes single spaces. A first word
/// too long on its own is cut by characters. Every candidate is weighed
/// whole, ellipsis included, so URLs (23 however short) and emoji sequences
/// are counted exactly as X counts them. Empty when not even one character
/// and the ellipsis fit.
pub fn truncate_to(text: &str, max: u32) -> String {
    if weighted_length(text) <= max {
        return text.to_owned();
    }
    let mut kept = String::new();
    let by_words = longest_fitting(
        text.split_whitespace().map(|word| {
            if !kept.is_empty() {
                kept.push(' ');
            }
            kept.push_str(word);
            kept.clone()
        }),
        max,
    );
    by_words.unwrap_or_else(|| {
        let text = text.trim_start();
        let prefixes = text
            .char_indices()
            .map(|(i, c)| text[..i + c.len_utf8()].to_owned());
        longest_fitting(prefixes, max).unwrap_or_default()
    })
}

/// Of `prefixes` (ever longer), the last one that still fits under `max`
/// once cut: trailing separators dropped and the ellipsis added. Prefixes
/// that are nothing but separators are passed over.
fn longest_fitting(prefixes: impl Iterator<Item = String>, max: u32) -> Option<String> {
    let mut best = None;
    for prefix in prefixes {
        let kept = prefix.trim_end_matches([',', ';', ':', '-', '—', ' ']);
        if kept.trim().is_empty() {
            continue;
        }
        let cut = format!("{kept}{ELLIPSIS}");
        if weighted_length(&cut) > max {
            break;
        }
        best = Some(cut);
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncates_at_word_boundaries() {
        assert_eq!(truncate_to("short", 10), "short");
        assert_eq!(truncate_to("one two three four", 12), "one two…");
        assert_eq!(weighted_length("one two…"), 9, "the ellipsis weighs 2");
        assert!(weighted_length(&truncate_to(&"word ".repeat(100), 50)) <= 50);
        assert_eq!(truncate_to("abcdefghij", 5), "abc…");
        assert_eq!(truncate_to("first, second", 9), "first…");
    }

    #[test]
    fn nothing_fits_under_the_ellipsis() {
        assert_eq!(truncate_to("abcdefghij", 2), "");
        assert_eq!(truncate_to("abcdefghij", 0), "");
        assert_eq!(truncate_to("", 0), "");
    }

    #[test]
    fn urls_are_weighed_as_x_weighs_them() {
        // A bare domain is short to look at but counts 23.
        let text = "read docs.rs/serde now please";
        assert_eq!(weighted_length(text), 5 + 23 + 11);
        assert_eq!(truncate_to(text, 30), "read docs.rs/serde…");
        assert_eq!(truncate_to(text, 29), "read…");
        // A long link costs 23 whatever its length, so it is kept whole.
        let long = format!("see https://example.com/{} and more", "a".repeat(200));
        assert_eq!(
            truncate_to(&long, 30),
            format!("see https://example.com/{}…", "a".repeat(200))
        );
    }

    #[test]
    fn emoji_sequences_are_weighed_whole() {
        // Each family is one emoji sequence, 2, though it is 7 code points.
        let text = "👨‍👩‍👧‍👦 ".repeat(20);
        let cut = truncate_to(&text, 20);
        assert_eq!(cut, format!("{}…", ["👨‍👩‍👧‍👦"; 6].join(" ")));
        assert_eq!(weighted_length(&cut), 6 * 2 + 5 + 2);
    }

    #[test]
    fn the_result_never_exceeds_the_limit() {
        let texts = [
            "ทดสอบ ภาษาไทย ยาวมาก ".repeat(30),
            "日本語のテキスト ".repeat(40),
            format!("{} example.com/x {}", "a ".repeat(100), "b ".repeat(100)),
            "🚀".repeat(200),
            "x.io/a ".repeat(30),
        ];
        for text in &texts {
            for max in (0..=crate::MAX_TWEET_WEIGHT).step_by(7) {
                let cut = truncate_to(text, max);
                assert!(
                    weighted_length(&cut) <= max,
                    "{cut:?} weighs {} > {max}",
                    weighted_length(&cut)
                );
            }
        }
    }
}
