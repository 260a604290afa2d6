use super::*;

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
        assert!(
            dailyx_xtext::weighted_length(example) <= dailyx_xtext::MAX_TWEET_WEIGHT,
            "too long: {example}"
        );
        for banned in &p.avoid {
            assert!(
                !example.to_lowercase().contains(&banned.to_lowercase()),
                "{example:?} uses {banned:?}"
            );
        }
    }
}
