//! Blocked terms from the operator's configuration.

/// The terms of `terms` that occur in `text`, case-insensitively and as
/// whole words: a term that starts or ends with an ASCII letter or digit
/// must not continue a longer word there (`ass` does not match `class`).
/// Other scripts (Thai, CJK) do not separate words with spaces, so for them
/// any occurrence counts.
pub fn find_blocked_terms<'t>(text: &str, terms: &'t [String]) -> Vec<&'t str> {
    let haystack = text.to_lowercase();
    terms
        .iter()
        .map(|t| t.trim())
        .filter(|t| !t.is_empty())
        .filter(|term| contains_word(&haystack, &term.to_lowercase()))
        .collect()
}

fn contains_word(haystack: &str, needle: &str) -> bool {
    let needs_boundary = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    let check_start = needs_boundary(needle.chars().next());
    let check_end = needs_boundary(needle.chars().next_back());
    haystack.match_indices(needle).any(|(start, m)| {
        let before = haystack[..start].chars().next_back();
        let after = haystack[start + m.len()..].chars().next();
        let is_word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
        !((check_start && is_word(before)) || (check_end && is_word(after)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn matches_case_insensitively_as_whole_words() {
        let blocked = terms(&["crypto", "Free Money", "  ", "ass"]);
        assert_eq!(
            find_blocked_terms("CRYPTO support lands", &blocked),
            vec!["crypto"]
        );
        assert_eq!(
            find_blocked_terms("get free   money? no: free money!", &blocked),
            vec!["Free Money"]
        );
        assert!(find_blocked_terms("cryptography and class", &blocked).is_empty());
        assert_eq!(find_blocked_terms("#crypto.", &blocked), vec!["crypto"]);
    }

    #[test]
    fn non_latin_terms_match_anywhere() {
        let blocked = terms(&["การพนัน"]);
        assert_eq!(find_blocked_terms("ไม่มีการพนันค่ะ", &blocked), vec!["การพนัน"]);
    }
}
