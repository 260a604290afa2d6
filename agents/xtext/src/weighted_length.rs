//! X's weighted tweet length (twitter-text v3 configuration).
//!
//! Code points in U+0000–U+10FF, U+2000–U+200D, U+2010–U+201F and
//! U+2032–U+2037 weigh 1 (Latin, Greek, Cyrillic, Thai, most punctuation);
//! every other code point weighs 2 (CJK, most symbols). Each URL counts as
//! 23 whatever its length, because X shortens it to a t.co link, and each
//! emoji sequence (ZWJ families, flags, skin tones, keycaps) counts as 2.
//!
//! Like twitter-text, the text is normalised to NFC first, so a decomposed
//! accent (`A` + U+0301) counts once. Tested against twitter-text's published
//! conformance cases (`tests/conformance.rs`).

use crate::urls::find_urls;
use std::borrow::Cow;
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

/// What one URL counts for, whatever its length.
pub const URL_WEIGHT: u32 = 23;
/// What one emoji sequence counts for.
pub const EMOJI_WEIGHT: u32 = 2;
/// X's limit for one tweet.
pub const MAX_TWEET_WEIGHT: u32 = 280;

/// The weighted length of `text` as X counts it.
pub fn weighted_length(text: &str) -> u32 {
    let text: Cow<'_, str> = match is_nfc_quick(text.chars()) {
        IsNormalized::Yes => Cow::Borrowed(text),
        _ => Cow::Owned(text.nfc().collect()),
    };
    let text = text.as_ref();
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut urls = find_urls(text).into_iter().peekable();
    let mut total = 0u32;
    let mut k = 0;
    while k < chars.len() {
        let offset = chars[k].0;
        // A URL starting inside an emoji sequence was already counted over.
        while urls.next_if(|u| u.start < offset).is_some() {}
        if let Some(url) = urls.next_if(|u| u.start == offset) {
            total += URL_WEIGHT;
            while k < chars.len() && chars[k].0 < url.end {
                k += 1;
            }
        } else if let Some(n) = emoji_sequence_len(&chars[k..]) {
            total += EMOJI_WEIGHT;
            k += n;
        } else {
            total += code_point_weight(chars[k].1);
            k += 1;
        }
    }
    total
}

/// The weight of one code point outside URLs and emoji.
pub fn code_point_weight(c: char) -> u32 {
    match u32::from(c) {
        0x0000..=0x10FF | 0x2000..=0x200D | 0x2010..=0x201F | 0x2032..=0x2037 => 1,
        _ => 2,
    }
}

const ZWJ: char = '\u{200D}';
const VARIATION_SELECTOR_16: char = '\u{FE0F}';
const KEYCAP: char = '\u{20E3}';

/// Characters that are emoji on their own (emoji presentation or commonly
/// rendered so): the pictograph blocks and the symbol blocks X draws as emoji.
fn is_pictograph(c: char) -> bool {
    matches!(u32::from(c),
        0x1F000..=0x1FAFF | 0x2600..=0x27BF | 0x2B00..=0x2BFF | 0x2300..=0x23FF
        | 0x2190..=0x21FF | 0x25A0..=0x25FF | 0x2900..=0x297F
        | 0x3030 | 0x303D | 0x3297 | 0x3299)
}

fn is_regional_indicator(c: char) -> bool {
    ('\u{1F1E6}'..='\u{1F1FF}').contains(&c)
}

fn is_modifier(c: char) -> bool {
    c == VARIATION_SELECTOR_16
        || c == KEYCAP
        || ('\u{1F3FB}'..='\u{1F3FF}').contains(&c) // skin tones
        || ('\u{E0020}'..='\u{E007F}').contains(&c) // tag sequences (subdivision flags)
}

/// How many code points the emoji sequence starting at `chars[0]` spans,
/// or `None` when no emoji starts there.
fn emoji_sequence_len(chars: &[(usize, char)]) -> Option<usize> {
    let at = |i: usize| chars.get(i).map(|(_, c)| *c);
    let first = at(0)?;
    if is_regional_indicator(first) {
        // A flag is a pair; a lone indicator is just a symbol.
        return at(1).filter(|c| is_regional_indicator(*c)).map(|_| 2);
    }
    let text_default_as_emoji = matches!(at(1), Some(VARIATION_SELECTOR_16 | KEYCAP));
    if !is_pictograph(first) && !text_default_as_emoji {
        return None;
    }
    let mut n = 1;
    loop {
        match at(n) {
            Some(c) if is_modifier(c) => n += 1,
            Some(ZWJ) if at(n + 1).is_some_and(is_pictograph) => n += 2,
            _ => return Some(n),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin_counts_one_per_character() {
        assert_eq!(weighted_length(""), 0);
        assert_eq!(weighted_length("hello, world"), 12);
        assert_eq!(weighted_length("café — “quoted”"), 15);
    }

    #[test]
    fn cjk_counts_two_per_character() {
        assert_eq!(weighted_length("日本語"), 6);
        assert_eq!(weighted_length("한국어 ok"), 9);
        assert_eq!(
            weighted_length("中文，"),
            6,
            "fullwidth punctuation weighs 2 too"
        );
    }

    #[test]
    fn thai_is_in_the_one_weight_range() {
        // U+0E00–U+0E7F lies below U+10FF: every code point counts 1,
        // combining vowels and tone marks included.
        assert_eq!(weighted_length("สวัสดี"), 6);
        assert_eq!(weighted_length("ค่ะ"), 3);
    }

    #[test]
    fn emoji_sequences_count_two() {
        assert_eq!(weighted_length("🎉"), 2);
        assert_eq!(weighted_length("❤️"), 2, "heart + VS16");
        assert_eq!(weighted_length("👩‍💻"), 2, "ZWJ sequence");
        assert_eq!(weighted_length("👨‍👩‍👧‍👦"), 2, "family");
        assert_eq!(weighted_length("👍🏽"), 2, "skin tone");
        assert_eq!(weighted_length("🇹🇭"), 2, "flag");
        assert_eq!(weighted_length("1️⃣"), 2, "keycap");
        assert_eq!(weighted_length("ship it 🚀🚀"), 12);
        assert_eq!(weighted_length("✨ new"), 6, "dingbat without VS16");
    }

    #[test]
    fn urls_count_twenty_three() {
        let long = format!("https://example.com/{}", "a".repeat(100));
        assert_eq!(weighted_length(&long), 23);
        assert_eq!(weighted_length("see https://x.io"), 4 + 23);
        assert_eq!(weighted_length("docs: example.com/guide."), 6 + 23 + 1);
        assert_eq!(
            weighted_length("(see https://x.io)."),
            5 + 23 + 2,
            "brackets and punctuation around a URL count on their own"
        );
        assert_eq!(weighted_length("edit README.md"), 14, "not a URL");
    }

    #[test]
    fn the_280_boundary() {
        assert_eq!(weighted_length(&"a".repeat(280)), MAX_TWEET_WEIGHT);
        assert_eq!(weighted_length(&"a".repeat(281)), MAX_TWEET_WEIGHT + 1);
        assert_eq!(weighted_length(&"字".repeat(140)), 280);
        assert_eq!(
            weighted_length(&format!(
                "{} https://example.com/very/long/path",
                "a".repeat(256)
            )),
            280
        );
    }
}
