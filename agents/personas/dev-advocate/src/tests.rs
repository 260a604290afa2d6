use super::*;

/// X's weighting, roughly: code points up to U+10FF (and a few punctuation
/// ranges) count 1, everything else 2. Good enough to keep examples postable;
/// the policy agent has the exact counter.
fn rough_weighted_length(text: &str) -> usize {
    text.chars()
        .map(|c| match u32::from(c) {
            0..=0x10FF | 0x2000..=0x200D | 0x2010..=0x201F | 0x2032..=0x2037 => 1,
            _ => 2,
        })
        .sum()
}

#[test]
fn profile_is_well_formed() {
    let p = profile();
    assert_eq!(p.id, "dev-advocate");
    for (field, value) in [
        ("name", &p.name),
        ("audience", &p.audience),
        ("voice", &p.voice),
    ] {
        assert!(!value.trim().is_empty(), "{field} is empty");
    }
    assert_eq!(p.languages, vec!["en"]);
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
fn examples_fit_in_a_tweet_and_avoid_the_banned_words() {
    let p = profile();
    for example in &p.examples {
        assert!(rough_weighted_length(example) <= 280, "too long: {example}");
        let lower = example.to_lowercase();
        for banned in &p.avoid {
            assert!(
                !lower.contains(&banned.to_lowercase()),
                "{example:?} uses {banned:?}"
            );
        }
    }
}

#[test]
fn hype_words_are_avoided() {
    let avoid = profile().avoid;
    assert!(avoid.iter().any(|a| a == "revolutionary"));
    assert!(avoid.iter().any(|a| a == "game-changer"));
}
