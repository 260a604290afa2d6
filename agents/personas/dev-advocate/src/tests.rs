use super::*;

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
        assert!(
            dailyx_xtext::weighted_length(example) <= dailyx_xtext::MAX_TWEET_WEIGHT,
            "too long: {example}"
        );
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
