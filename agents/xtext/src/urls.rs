//! Finding URLs in tweet text the way X does, closely enough for counting
//! and link checks: `http(s)://...` anywhere, and bare domains
//! (`example.com/path`) when the last label is a known top-level domain.
//!
//! Follows twitter-text's rules where they matter for counting: trailing
//! punctuation is not part of a URL, a bare `name.cc` (one label before a
//! two-letter country TLD, no path) is not linked, so `README.md` and
//! `Node.js` stay text, and a domain right after `@` is an e-mail, not a URL.

use std::ops::Range;

/// Generic top-level domains recognised without a scheme. Every two-letter
/// ASCII label is taken as a country TLD.
const GENERIC_TLDS: &[&str] = &[
    "com", "net", "org", "edu", "gov", "mil", "int", "info", "biz", "name", "pro", "aero", "asia",
    "coop", "jobs", "mobi", "museum", "tel", "travel", "dev", "app", "page", "blog", "tech",
    "cloud", "xyz", "site", "online", "news", "shop", "store", "social", "email", "link", "live",
    "tools", "software", "systems", "digital", "network", "codes",
];

/// Byte ranges of the URLs in `text`, in order, not overlapping.
pub fn find_urls(text: &str) -> Vec<Range<usize>> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let prev = if i == 0 { None } else { Some(bytes[i - 1]) };
        let matched = if starts_with_scheme(&bytes[i..]) && !prev.is_some_and(is_word_byte) {
            match_with_scheme(bytes, i)
        } else if bytes[i].is_ascii_alphanumeric() && may_precede_bare_domain(prev) {
            match_bare_domain(bytes, i)
        } else {
            None
        };
        match matched {
            Some(end) => {
                found.push(i..end);
                i = end;
            }
            None => i += 1,
        }
    }
    found
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// A bare domain must not continue a word, a path, an e-mail or a cashtag.
fn may_precede_bare_domain(prev: Option<u8>) -> bool {
    !prev.is_some_and(|b| is_word_byte(b) || matches!(b, b'@' | b'$' | b'#' | b'.' | b'/' | b'-'))
}

fn starts_with_scheme(rest: &[u8]) -> bool {
    let lower = |n: usize| rest.get(..n).map(|s| s.to_ascii_lowercase());
    lower(7).as_deref() == Some(b"http://") || lower(8).as_deref() == Some(b"https://")
}

fn match_with_scheme(bytes: &[u8], start: usize) -> Option<usize> {
    let after_scheme = start
        + if bytes[start + 4].eq_ignore_ascii_case(&b's') {
            8
        } else {
            7
        };
    let host_end = domain_end(bytes, after_scheme);
    if host_end == after_scheme {
        return None;
    }
    Some(extend_path(bytes, start, host_end))
}

fn match_bare_domain(bytes: &[u8], start: usize) -> Option<usize> {
    let end = domain_end(bytes, start);
    let domain = std::str::from_utf8(&bytes[start..end]).ok()?;
    let labels: Vec<&str> = domain.split('.').collect();
    // DNS labels are 1 to 63 bytes and do not start or end with a hyphen.
    let valid_labels = labels
        .iter()
        .all(|l| !l.is_empty() && l.len() <= 63 && !l.starts_with('-') && !l.ends_with('-'));
    let tld = labels.last()?.to_ascii_lowercase();
    if labels.len() < 2 || !valid_labels || !tld.bytes().all(|b| b.is_ascii_lowercase()) {
        return None;
    }
    let country_tld = tld.len() == 2;
    if !country_tld && !GENERIC_TLDS.contains(&tld.as_str()) {
        return None;
    }
    let has_path = bytes.get(end) == Some(&b'/');
    if country_tld && labels.len() == 2 && !has_path {
        return None;
    }
    // `user@example.com`: the domain part of an e-mail is not a URL.
    if bytes.get(end) == Some(&b'@') {
        return None;
    }
    Some(extend_path(bytes, start, end))
}

/// Where the host name starting at `start` ends: over letters, digits,
/// dots and hyphens, giving back a trailing dot or hyphen.
fn domain_end(bytes: &[u8], start: usize) -> usize {
    let mut end = start
        + bytes[start..]
            .iter()
            .take_while(|b| is_domain_byte(**b))
            .count();
    while end > start && matches!(bytes[end - 1], b'.' | b'-') {
        end -= 1;
    }
    end
}

fn is_domain_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'.'
}

/// Extends a URL from its host over port, path, query and fragment, then
/// gives back trailing punctuation (and an unbalanced closing bracket).
fn extend_path(bytes: &[u8], start: usize, host_end: usize) -> usize {
    let mut end = host_end;
    if matches!(bytes.get(end), Some(b'/' | b':' | b'?' | b'#')) {
        end += bytes[end..]
            .iter()
            .take_while(|b| is_path_byte(**b))
            .count();
    }
    loop {
        match bytes[start..end].last() {
            Some(&b) if is_trailing_punctuation(b) => end -= 1,
            Some(b')') if count(&bytes[start..end], b'(') < count(&bytes[start..end], b')') => {
                end -= 1
            }
            _ => return end.max(host_end),
        }
    }
}

/// Punctuation that ends a sentence or a clause rather than a URL.
fn is_trailing_punctuation(b: u8) -> bool {
    matches!(
        b,
        b'.' | b',' | b';' | b':' | b'!' | b'?' | b'\'' | b'"' | b'*'
    )
}

fn is_path_byte(b: u8) -> bool {
    b.is_ascii_graphic()
        && !matches!(
            b,
            b'<' | b'>' | b'"' | b'`' | b'{' | b'}' | b'|' | b'\\' | b'^'
        )
}

fn count(bytes: &[u8], needle: u8) -> usize {
    bytes.iter().filter(|b| **b == needle).count()
}

/// Whether a whitespace-free `word` is one URL by [`find_urls`]' rules: a
/// URL starts the word and all that follows it is punctuation a URL leaves
/// out (`https://x.io).` is one; `(https://x.io`, `README.md`, `https://`
/// and `a.io,b.io/x` are not).
pub fn is_url(word: &str) -> bool {
    match find_urls(word).first() {
        Some(url) if url.start == 0 => word.as_bytes()[url.end..]
            .iter()
            .all(|b| is_trailing_punctuation(*b) || *b == b')'),
        _ => false,
    }
}

/// The host of a URL, lower-cased, without `www.`.
pub fn host_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let host = rest
        .split(['/', '?', '#', ':'])
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    host.strip_prefix("www.").map(str::to_owned).unwrap_or(host)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn urls(text: &str) -> Vec<&str> {
        find_urls(text).into_iter().map(|r| &text[r]).collect()
    }

    #[test]
    fn finds_urls_with_a_scheme() {
        assert_eq!(
            urls("see https://example.com/a?b=1#c now"),
            vec!["https://example.com/a?b=1#c"]
        );
        assert_eq!(urls("HTTP://Example.com."), vec!["HTTP://Example.com"]);
        assert_eq!(urls("(https://x.dev/p)"), vec!["https://x.dev/p"]);
        assert_eq!(
            urls("https://en.wikipedia.org/wiki/Rust_(language)"),
            vec!["https://en.wikipedia.org/wiki/Rust_(language)"]
        );
        assert_eq!(
            urls("a http://a.io b https://b.io"),
            vec!["http://a.io", "https://b.io"]
        );
        assert!(urls("https:// nothing").is_empty());
    }

    #[test]
    fn finds_bare_domains_with_known_tlds() {
        assert_eq!(urls("docs at example.com, thanks"), vec!["example.com"]);
        assert_eq!(urls("crate docs.rs/serde!"), vec!["docs.rs/serde"]);
        assert_eq!(urls("blog.example.co"), vec!["blog.example.co"]);
    }

    #[test]
    fn file_names_versions_and_emails_are_not_urls() {
        for text in [
            "edit README.md",
            "built on Node.js",
            "v1.2.3 out",
            "e.g. this",
            "a@example.com",
            "config.json",
            "#tag.com",
            "1.5x faster",
        ] {
            assert!(urls(text).is_empty(), "{text:?} -> {:?}", urls(text));
        }
    }

    #[test]
    fn whole_words_are_urls_by_the_same_rules() {
        for word in [
            "https://example.com/a?b=1#c",
            "HTTP://Example.com",
            "https://x.io).",
            "https://x.io/path,",
            "https://en.wikipedia.org/wiki/Rust_(language)",
            "example.com",
            "docs.rs/serde!",
            "www.example.com",
        ] {
            assert!(is_url(word), "{word:?} should be a URL");
        }
        for word in [
            "",
            "https://",
            "(https://x.io",
            "https://x.io…",
            "https://a.io,https://b.io",
            "README.md",
            "Node.js",
            "a@example.com",
            "www.example",
            "v1.2.3",
        ] {
            assert!(!is_url(word), "{word:?} should not be a URL");
        }
    }

    #[test]
    fn hosts_are_normalised() {
        assert_eq!(host_of("https://www.Bit.ly/x"), "bit.ly");
        assert_eq!(host_of("example.com:8080/a"), "example.com");
    }
}
