//! Secret detection: credentials that must never reach a public post.
//!
//! Hand-written scanners rather than regexes keep the component small. Each
//! hit carries a redacted excerpt (the first characters only), because the
//! report travels on to notifications and logs.

use std::ops::Range;

/// A secret found in a text.
#[derive(Debug, Clone, PartialEq)]
pub struct SecretHit {
    /// Finding code, `secret.*`.
    pub code: &'static str,
    /// What kind of secret it looks like.
    pub what: &'static str,
    /// The first few characters and an ellipsis; never the whole secret.
    pub redacted: String,
    range: Range<usize>,
}

/// Every secret in `text`, in order of position.
pub fn find_secrets(text: &str) -> Vec<SecretHit> {
    let mut hits = Vec::new();
    for prefix in ["ghp_", "gho_", "ghu_", "ghs_", "ghr_"] {
        prefixed(
            text,
            prefix,
            false,
            20,
            is_alnum,
            &mut hits,
            "secret.github-token",
            "a GitHub token",
        );
    }
    prefixed(
        text,
        "github_pat_",
        false,
        20,
        is_alnum_underscore,
        &mut hits,
        "secret.github-token",
        "a GitHub token",
    );
    for prefix in ["xoxa-", "xoxb-", "xoxp-", "xoxr-"] {
        prefixed(
            text,
            prefix,
            false,
            10,
            is_alnum_dash,
            &mut hits,
            "secret.slack-token",
            "a Slack token",
        );
    }
    openai_keys(text, &mut hits);
    aws_access_keys(text, &mut hits);
    private_keys(text, &mut hits);
    bearer_tokens(text, &mut hits);
    assignments(text, &mut hits);
    hits.sort_by_key(|h| h.range.start);
    hits
}

fn is_alnum(b: u8) -> bool {
    b.is_ascii_alphanumeric()
}

fn is_alnum_underscore(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

fn is_alnum_dash(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-'
}

fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'+' | b'/' | b'=')
}

/// Start offsets of `needle` in `text` that do not continue a word.
fn word_starts(text: &str, needle: &str, ignore_case: bool) -> Vec<usize> {
    let bytes = text.as_bytes();
    let n = needle.len();
    (0..bytes.len().saturating_sub(n - 1))
        .filter(|&i| {
            let candidate = &bytes[i..i + n];
            let equal = if ignore_case {
                candidate.eq_ignore_ascii_case(needle.as_bytes())
            } else {
                candidate == needle.as_bytes()
            };
            equal && (i == 0 || !is_alnum_underscore(bytes[i - 1]))
        })
        .collect()
}

fn run_len(bytes: &[u8], from: usize, allowed: fn(u8) -> bool) -> usize {
    bytes[from..].iter().take_while(|b| allowed(**b)).count()
}

fn overlaps(hits: &[SecretHit], range: &Range<usize>) -> bool {
    hits.iter()
        .any(|h| h.range.start < range.end && range.start < h.range.end)
}

fn redact(secret: &str) -> String {
    let head: String = secret.chars().take(4).collect();
    format!("{head}…")
}

fn push(
    hits: &mut Vec<SecretHit>,
    text: &str,
    range: Range<usize>,
    code: &'static str,
    what: &'static str,
) {
    if !overlaps(hits, &range) {
        let redacted = redact(&text[range.clone()]);
        hits.push(SecretHit {
            code,
            what,
            redacted,
            range,
        });
    }
}

/// `prefix` followed by at least `min` bytes of `allowed`.
#[allow(clippy::too_many_arguments)]
fn prefixed(
    text: &str,
    prefix: &str,
    ignore_case: bool,
    min: usize,
    allowed: fn(u8) -> bool,
    hits: &mut Vec<SecretHit>,
    code: &'static str,
    what: &'static str,
) {
    for start in word_starts(text, prefix, ignore_case) {
        let len = run_len(text.as_bytes(), start + prefix.len(), allowed);
        if len >= min {
            push(hits, text, start..start + prefix.len() + len, code, what);
        }
    }
}

/// `sk-...` keys (OpenAI and look-alikes). A digit is required so that
/// ordinary hyphenated words starting with `sk-` are not flagged.
fn openai_keys(text: &str, hits: &mut Vec<SecretHit>) {
    let bytes = text.as_bytes();
    for start in word_starts(text, "sk-", false) {
        let len = run_len(bytes, start + 3, is_alnum_underscore_dash);
        let body = &bytes[start + 3..start + 3 + len];
        if len >= 20 && body.iter().any(u8::is_ascii_digit) {
            push(
                hits,
                text,
                start..start + 3 + len,
                "secret.api-key",
                "an API key",
            );
        }
    }
}

fn is_alnum_underscore_dash(b: u8) -> bool {
    is_alnum_underscore(b) || b == b'-'
}

/// AWS access key ids: `AKIA` (or `ASIA` for temporary ones) and exactly 16
/// more upper-case letters or digits.
fn aws_access_keys(text: &str, hits: &mut Vec<SecretHit>) {
    let bytes = text.as_bytes();
    for prefix in ["AKIA", "ASIA"] {
        for start in word_starts(text, prefix, false) {
            let len = run_len(bytes, start + 4, |b| {
                b.is_ascii_uppercase() || b.is_ascii_digit()
            });
            let end = start + 4 + len;
            if len == 16 && !bytes.get(end).is_some_and(|b| is_alnum_underscore(*b)) {
                push(
                    hits,
                    text,
                    start..end,
                    "secret.aws-access-key",
                    "an AWS access key id",
                );
            }
        }
    }
}

fn private_keys(text: &str, hits: &mut Vec<SecretHit>) {
    for start in word_starts(text, "-----BEGIN ", false) {
        let line_end = text[start..].find('\n').map_or(text.len(), |n| start + n);
        if text[start..line_end].contains("PRIVATE KEY") {
            push(
                hits,
                text,
                start..line_end,
                "secret.private-key",
                "a private key",
            );
        }
    }
}

/// `Bearer <token>` with a token long enough to be a credential.
fn bearer_tokens(text: &str, hits: &mut Vec<SecretHit>) {
    let bytes = text.as_bytes();
    for start in word_starts(text, "bearer", true) {
        let spaces = run_len(bytes, start + 6, |b| b == b' ');
        let from = start + 6 + spaces;
        let len = run_len(bytes, from, is_token_byte);
        if spaces > 0 && len >= 16 {
            push(
                hits,
                text,
                from..from + len,
                "secret.bearer-token",
                "a bearer token",
            );
        }
    }
}

const ASSIGNMENT_KEYS: &[&str] = &[
    "api_key",
    "api-key",
    "apikey",
    "access_token",
    "auth_token",
    "client_secret",
    "secret_key",
    "token",
    "secret",
    "password",
    "passwd",
];

/// `api_key=...`, `token: "..."` and the like. The value must look like a
/// credential (letters and digits, or long), so prose such as
/// `token: improved parsing` is not flagged.
fn assignments(text: &str, hits: &mut Vec<SecretHit>) {
    let bytes = text.as_bytes();
    let lower = text.to_ascii_lowercase();
    for key in ASSIGNMENT_KEYS {
        for (start, _) in lower.match_indices(key) {
            let mut i = start + key.len();
            i += run_len(bytes, i, |b| matches!(b, b' ' | b'"' | b'\''));
            if !matches!(bytes.get(i), Some(b'=' | b':')) {
                continue;
            }
            i += 1;
            i += run_len(bytes, i, |b| matches!(b, b' ' | b'"' | b'\''));
            let len = run_len(bytes, i, is_token_byte);
            let value = &bytes[i..i + len];
            let mixed =
                value.iter().any(u8::is_ascii_digit) && value.iter().any(u8::is_ascii_alphabetic);
            if (len >= 8 && mixed) || len >= 20 {
                push(hits, text, i..i + len, "secret.generic", "a credential");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(text: &str) -> Vec<&'static str> {
        find_secrets(text).into_iter().map(|h| h.code).collect()
    }

    #[test]
    fn finds_github_tokens() {
        assert_eq!(
            codes("token ghp_abcdefghijklmnopqrstuvwxyz0123456789 leaked"),
            vec!["secret.github-token"]
        );
        assert_eq!(
            codes("gho_ABCDEFGHIJKLMNOPQRSTUV"),
            vec!["secret.github-token"]
        );
        assert_eq!(
            codes("github_pat_11ABCDEFG0123456789_abcdefghijklmnop"),
            vec!["secret.github-token"]
        );
        assert!(codes("the ghp_ prefix marks classic tokens").is_empty());
    }

    #[test]
    fn finds_api_keys_aws_and_slack() {
        assert_eq!(
            codes("OPENAI: sk-proj-abc123DEF456ghi789JKL0"),
            vec!["secret.api-key"]
        );
        assert_eq!(
            codes("id AKIAIOSFODNN7EXAMPLE here"),
            vec!["secret.aws-access-key"]
        );
        assert!(codes("AKIAIOSFODNN7EXAMPLEX is 17 long").is_empty());
        assert_eq!(codes("xoxb-1234567890-abcdef"), vec!["secret.slack-token"]);
        assert!(codes("sk-learn and sk-something-very-long-words").is_empty());
    }

    #[test]
    fn finds_private_keys_and_bearer_tokens() {
        assert_eq!(
            codes("-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn..."),
            vec!["secret.private-key"]
        );
        assert!(codes("-----BEGIN PUBLIC KEY-----").is_empty());
        assert_eq!(
            codes("curl -H 'Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.abc'"),
            vec!["secret.bearer-token"]
        );
        assert!(codes("Bearer tokens are now supported").is_empty());
    }

    #[test]
    fn finds_generic_assignments_but_not_prose() {
        assert_eq!(codes("api_key=abc123def456"), vec!["secret.generic"]);
        assert_eq!(codes("set TOKEN: \"9f8e7d6c5b4a\""), vec!["secret.generic"]);
        assert!(codes("token: improved parsing").is_empty());
        assert!(codes("password: short1").is_empty());
    }

    #[test]
    fn one_secret_is_reported_once() {
        let hits = find_secrets("token=ghp_abcdefghijklmnopqrstuvwxyz0123456789");
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].code, "secret.github-token");
    }

    #[test]
    fn excerpts_are_redacted() {
        let hits = find_secrets("ghp_abcdefghijklmnopqrstuvwxyz0123456789");
        assert_eq!(hits[0].redacted, "ghp_…");
    }
}
