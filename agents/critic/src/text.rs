//! Small text helpers shared by the rule checks and the revision. X's own
//! rules (weighted length, what is a URL) come from `dailyx-xtext`.

/// Whether a whitespace-free word is a link by X's rules, also when it is
/// wrapped in brackets or quotes (`(https://x.io)`, `<https://x.io>`).
pub fn is_link(word: &str) -> bool {
    dailyx_xtext::is_url(
        word.trim_start_matches(['(', '<', '"'])
            .trim_end_matches('>'),
    )
}

/// Byte offsets where `needle` occurs in `haystack` as a whole word,
/// ASCII-case-insensitively. Edges that are ASCII letters or digits must
/// not continue a longer word; other scripts match anywhere.
pub fn find_word(haystack: &str, needle: &str) -> Option<usize> {
    let needle = needle.trim();
    if needle.is_empty() {
        return None;
    }
    let hay = haystack.to_ascii_lowercase();
    let needle = needle.to_ascii_lowercase();
    let check_start = needle.starts_with(|c: char| c.is_ascii_alphanumeric());
    let check_end = needle.ends_with(|c: char| c.is_ascii_alphanumeric());
    let is_word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    hay.match_indices(&needle)
        .find(|(start, m)| {
            let before = hay[..*start].chars().next_back();
            let after = hay[start + m.len()..].chars().next();
            !((check_start && is_word(before)) || (check_end && is_word(after)))
        })
        .map(|(start, _)| start)
}

/// The sentences of `text`: split after `.`, `!`, `?` followed by a space,
/// and at line breaks.
pub fn sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for line in text.lines() {
        let mut start = 0;
        let chars: Vec<(usize, char)> = line.char_indices().collect();
        for (k, (i, c)) in chars.iter().enumerate() {
            let next_is_space = chars.get(k + 1).is_some_and(|(_, n)| n.is_whitespace());
            if matches!(c, '.' | '!' | '?') && next_is_space {
                out.push(line[start..=*i].trim());
                start = i + c.len_utf8();
            }
        }
        out.push(line[start..].trim());
    }
    out.retain(|s| !s.is_empty());
    out
}

/// Words of a sentence, leaving out links, hashtags, mentions and lone
/// punctuation or emoji.
pub fn words(sentence: &str) -> Vec<&str> {
    sentence
        .split_whitespace()
        .filter(|w| {
            !is_link(w) && !w.starts_with(['#', '@']) && w.chars().any(char::is_alphanumeric)
        })
        .collect()
}

/// Numbers, percentages and versions in `text` (`40%`, `3x`, `v1.2.3`,
/// `1,000`, `0.6s`), as their numeric core (`40`, `3`, `1.2.3`, `1000`,
/// `0.6`). Links, hashtags and mentions are skipped, and so are thread
/// counters (`1/5`) and digits inside words (`x86`, `utf8`).
pub fn claims(text: &str) -> Vec<(String, &str)> {
    let mut out = Vec::new();
    for word in text.split_whitespace() {
        if is_link(word) || word.starts_with(['#', '@']) {
            continue;
        }
        let word =
            word.trim_start_matches(['(', '"', '\'', '[', '~', '+', '-', '$', '€', '£', '฿']);
        let digits_from = usize::from(word.starts_with(['v', 'V']));
        let core: String = word[digits_from..]
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == ',')
            .collect();
        let core = core.trim_end_matches(['.', ',']);
        if core.is_empty() || !core.starts_with(|c: char| c.is_ascii_digit()) {
            continue;
        }
        let rest = &word[digits_from + core.len()..];
        if rest.starts_with('/') {
            continue; // a thread counter such as 1/5
        }
        if digits_from == 1 && !core.contains('.') {
            continue; // `v2` on its own is a name (v2 API), not a version claim
        }
        out.push((
            core.replace(',', ""),
            word.trim_end_matches([',', '.', ';', ':', ')', '"', '!', '?']),
        ));
    }
    out
}

/// Capitalises the first letter.
pub fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_whole_words_only() {
        assert_eq!(find_word("A Revolutionary idea", "revolutionary"), Some(2));
        assert_eq!(find_word("unrevolutionary", "revolutionary"), None);
        assert_eq!(find_word("ห้ามพลาดเลย", "ห้ามพลาด"), Some(0));
        assert_eq!(find_word("anything", "  "), None);
    }

    #[test]
    fn links_are_recognised_by_x_rules() {
        for word in [
            "https://x.io/2024",
            "(https://x.io/a).",
            "<https://x.io>",
            "\"www.example.com\"",
            "docs.rs/serde",
        ] {
            assert!(is_link(word), "{word:?}");
        }
        for word in ["README.md", "www.example", "https://", "v1.2.3"] {
            assert!(!is_link(word), "{word:?}");
        }
        assert_eq!(
            words("Read docs.rs/serde and (https://x.io) today"),
            vec!["Read", "and", "today"]
        );
    }

    #[test]
    fn splits_sentences() {
        assert_eq!(
            sentences("One. Two! Three?\nFour v1.2.3 here"),
            vec!["One.", "Two!", "Three?", "Four v1.2.3 here"]
        );
    }

    #[test]
    fn extracts_claims() {
        let cores = |t: &str| claims(t).into_iter().map(|(c, _)| c).collect::<Vec<_>>();
        assert_eq!(
            cores("40% faster, 3x less memory in v1.2.3 (1,000 users) 0.6s"),
            vec!["40", "3", "1.2.3", "1000", "0.6"]
        );
        assert!(cores("1/5 see https://x.io/2024 #2024 @user2 x86 utf8 v2 API").is_empty());
        assert_eq!(claims("up 40%.")[0].1, "40%");
    }
}
