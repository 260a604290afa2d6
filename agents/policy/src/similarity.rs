//! Near-duplicate detection: Jaccard similarity of word 3-shingles.

use std::collections::HashSet;

/// Similarity at or above which a draft counts as repeating a recent post.
pub const DUPLICATE_THRESHOLD: f64 = 0.6;

/// Lower-cased words with edge punctuation removed; URLs are left out
/// because they differ (t.co) even when the text is the same.
fn words(text: &str) -> Vec<String> {
    text.split_whitespace()
        .filter(|w| !w.contains("://"))
        .map(|w| {
            w.trim_matches(|c: char| !c.is_alphanumeric())
                .to_lowercase()
        })
        .filter(|w| !w.is_empty())
        .collect()
}

/// The set of word 3-shingles; a text of one or two words is one shingle.
pub fn shingles(text: &str) -> HashSet<Vec<String>> {
    let words = words(text);
    if words.len() < 3 {
        return std::iter::once(words).filter(|w| !w.is_empty()).collect();
    }
    words.windows(3).map(<[String]>::to_vec).collect()
}

/// Jaccard similarity of the shingle sets of `a` and `b`, 0 to 1.
pub fn similarity(a: &str, b: &str) -> f64 {
    let (a, b) = (shingles(a), shingles(b));
    let union = a.union(&b).count();
    if union == 0 {
        return 0.0;
    }
    a.intersection(&b).count() as f64 / union as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_texts_are_fully_similar() {
        assert_eq!(similarity("Dark mode is here!", "dark mode is HERE"), 1.0);
    }

    #[test]
    fn small_edits_stay_above_the_threshold() {
        let a = "You can now stream build logs straight to your terminal with the follow flag";
        let b =
            "You can now stream build logs straight to your terminal with the --follow flag today";
        assert!(
            similarity(a, b) >= DUPLICATE_THRESHOLD,
            "{}",
            similarity(a, b)
        );
    }

    #[test]
    fn different_texts_are_not_similar() {
        assert!(
            similarity(
                "Dark mode lands in the settings page",
                "Faster cold starts for the CLI"
            ) < 0.1
        );
        assert_eq!(similarity("", ""), 0.0);
        assert_eq!(
            similarity("https://a.io", "https://a.io"),
            0.0,
            "URLs alone say nothing"
        );
    }
}
