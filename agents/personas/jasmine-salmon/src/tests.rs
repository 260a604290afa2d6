use super::*;

/// X's weighting, roughly: code points up to U+10FF (Thai included) and a
/// few punctuation ranges count 1, everything else 2. Good enough to keep
/// examples postable; the policy agent has the exact counter.
fn rough_weighted_length(text: &str) -> usize {
    text.chars()
        .map(|c| match u32::from(c) {
            0..=0x10FF | 0x2000..=0x200D | 0x2010..=0x201F | 0x2032..=0x2037 => 1,
            _ => 2,
        })
        .sum()
}

fn is_thai(c: char) -> bool {
    ('\u{0E00}'..='\u{0E7F}').contains(&c)
}

#[test]
fn profile_is_well_formed() {
    let p = profile();
    assert_eq!(p.id, "jasmine-salmon");
    assert_eq!(p.name, "Jasmine x Salmon");
    for (field, value) in [("audience", &p.audience), ("voice", &p.voice)] {
        assert!(!value.trim().is_empty(), "{field} is empty");
    }
    for list in [&p.rules, &p.avoid, &p.hashtags, &p.examples] {
        assert!(!list.is_empty());
        assert!(list.iter().all(|s| !s.trim().is_empty()));
    }
    assert!(
        p.hashtags
            .iter()
            .all(|h| !h.starts_with('#') && !h.contains(' '))
    );
    assert!(p.uses_emoji);
}

#[test]
fn writes_thai_first_then_english() {
    assert_eq!(profile().languages, vec!["th", "en"]);
}

#[test]
fn examples_are_bilingual_and_fit_in_a_tweet() {
    let p = profile();
    assert!(
        p.examples.iter().any(|e| e.chars().any(is_thai)),
        "a Thai example"
    );
    assert!(
        p.examples.iter().any(|e| e
            .split_whitespace()
            .filter(|w| w.chars().all(|c| c.is_ascii_alphabetic()))
            .count()
            >= 5),
        "an English example"
    );
    for example in &p.examples {
        assert!(rough_weighted_length(example) <= 280, "too long: {example}");
        for banned in &p.avoid {
            assert!(
                !example.to_lowercase().contains(&banned.to_lowercase()),
                "{example:?} uses {banned:?}"
            );
        }
    }
}
