//! Preparing text for layout: Thai word boundaries as break hints, and character classes.

use cosmic_text::Buffer;
use icu_properties::props::{BinaryProperty, DefaultIgnorableCodePoint};
use icu_segmenter::{LineSegmenter, options::LineBreakOptions};

/// Zero-width space: inserted at Thai word boundaries so that cosmic-text may wrap there.
const ZWSP: char = '\u{200B}';

/// The quote, prepared for layout: trimmed, with zero-width spaces at Thai word boundaries.
pub(crate) struct Prepared {
    /// The text to lay out.
    pub text: String,
    /// Byte offsets in `text` of the zero-width spaces that were inserted.
    pub inserted: Vec<usize>,
    /// Characters trimmed from the start of the original.
    leading_chars: usize,
}

impl Prepared {
    pub(crate) fn new(original: &str, thai_breaks: bool) -> Self {
        let trimmed_start = original.trim_start();
        let leading_chars = original[..original.len() - trimmed_start.len()]
            .chars()
            .count();
        let trimmed = trimmed_start.trim_end();
        let mut text = String::with_capacity(trimmed.len() + trimmed.len() / 8);
        let mut inserted = Vec::new();
        if thai_breaks && trimmed.chars().any(is_thai) {
            // cosmic-text breaks lines per UAX #14 alone, which finds no opportunity inside a
            // run of Thai (written without spaces between words); ICU4X's segmenter finds the
            // word boundaries (LSTM model).
            let segmenter = LineSegmenter::new_auto(LineBreakOptions::default());
            let mut last = 0;
            for at in segmenter.segment_str(trimmed) {
                if at == 0 || at >= trimmed.len() {
                    continue;
                }
                text.push_str(&trimmed[last..at]);
                last = at;
                let before = trimmed[..at].chars().next_back();
                let after = trimmed[at..].chars().next();
                if before.is_some_and(is_thai) && after.is_some_and(is_thai) {
                    inserted.push(text.len());
                    text.push(ZWSP);
                }
            }
            text.push_str(&trimmed[last..]);
        } else {
            text.push_str(trimmed);
        }
        Self {
            text,
            inserted,
            leading_chars,
        }
    }

    /// The character index in the original text of byte `at` of the prepared text.
    pub(crate) fn original_char_index(&self, at: usize) -> usize {
        let inserted_before = self.inserted.iter().filter(|&&i| i < at).count();
        self.leading_chars + self.text[..at].chars().count() - inserted_before
    }

    pub(crate) fn is_inserted(&self, start: usize, end: usize) -> bool {
        end == start + ZWSP.len_utf8() && self.inserted.binary_search(&start).is_ok()
    }
}

/// Byte offset in the buffer's whole text at which each of its lines (paragraphs) starts.
pub(crate) fn line_starts(buffer: &Buffer) -> Vec<usize> {
    let mut starts = Vec::with_capacity(buffer.lines.len());
    let mut at = 0;
    for line in &buffer.lines {
        starts.push(at);
        at += line.text().len() + line.ending().as_str().len();
    }
    starts
}

pub(crate) fn is_thai(c: char) -> bool {
    ('\u{0E00}'..='\u{0E7F}').contains(&c)
}

/// Zero-width and format characters (ZWSP, ZWJ, variation selectors…) that are never drawn.
pub(crate) fn is_ignorable(c: char) -> bool {
    DefaultIgnorableCodePoint::for_char(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thai_runs_get_break_hints_and_indices_map_back() {
        let prepared = Prepared::new("  วันนี้เราปล่อยเวอร์ชันใหม่ ok", true);
        assert!(!prepared.inserted.is_empty(), "{:?}", prepared.text);
        assert_eq!(prepared.text.replace(ZWSP, ""), "วันนี้เราปล่อยเวอร์ชันใหม่ ok");
        // Every inserted hint sits between two Thai characters.
        for &at in &prepared.inserted {
            assert!(prepared.text[..at].chars().next_back().is_some_and(is_thai));
            assert!(prepared.text[at + 3..].chars().next().is_some_and(is_thai));
        }
        let ok_at = prepared.text.find("ok").unwrap();
        assert_eq!(prepared.original_char_index(ok_at), 2 + 27);
        let latin = Prepared::new("plain text", true);
        assert!(latin.inserted.is_empty());
    }
}
