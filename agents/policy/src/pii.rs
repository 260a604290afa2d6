//! Personal data that should not go out in a post: e-mail addresses and
//! phone numbers. These are warnings: a support address may be intended.

/// E-mail addresses in `text`, in order.
pub fn find_emails(text: &str) -> Vec<&str> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    for (at, _) in text.match_indices('@') {
        let local = bytes[..at]
            .iter()
            .rev()
            .take_while(|b| is_local_byte(**b))
            .count();
        let mut domain_end = at
            + 1
            + bytes[at + 1..]
                .iter()
                .take_while(|b| is_domain_byte(**b))
                .count();
        while domain_end > at + 1 && matches!(bytes[domain_end - 1], b'.' | b'-') {
            domain_end -= 1;
        }
        let domain = &text[at + 1..domain_end];
        let tld_ok = domain.rsplit_once('.').is_some_and(|(name, tld)| {
            !name.is_empty() && tld.len() >= 2 && tld.bytes().all(|b| b.is_ascii_alphabetic())
        });
        if local > 0 && tld_ok {
            found.push(&text[at - local..domain_end]);
        }
    }
    found
}

fn is_local_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'%' | b'+' | b'-')
}

fn is_domain_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-')
}

/// Phone numbers in `text`, in order.
///
/// A run of digits with spaces, dashes or parentheses between them counts
/// when it has 9 to 15 digits and either starts with `+` or has at least
/// three to five digit groups, all but the first of two digits or more and
/// the last of three or more.
/// Dates (8 digits), versions (dots) and plain large numbers do not qualify.
pub fn find_phone_numbers(text: &str) -> Vec<&str> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let starts_run = (bytes[i] == b'+' || bytes[i] == b'(' || bytes[i].is_ascii_digit())
            && (i == 0
                || !(bytes[i - 1].is_ascii_alphanumeric()
                    || matches!(bytes[i - 1], b'.' | b',' | b'/' | b'_')));
        if !starts_run {
            i += 1;
            continue;
        }
        let mut end = i
            + 1
            + bytes[i + 1..]
                .iter()
                .take_while(|b| b.is_ascii_digit() || matches!(b, b' ' | b'-' | b'(' | b')'))
                .count();
        while end > i && !bytes[end - 1].is_ascii_digit() && bytes[end - 1] != b')' {
            end -= 1;
        }
        let candidate = &text[i..end];
        let continues_word = bytes.get(end).is_some_and(|b| {
            b.is_ascii_alphanumeric()
                || (*b == b'.' && bytes.get(end + 1).is_some_and(u8::is_ascii_digit))
        });
        if !continues_word && looks_like_phone(candidate) {
            found.push(candidate);
        }
        i = end.max(i + 1);
    }
    found
}

fn looks_like_phone(candidate: &str) -> bool {
    let digits = candidate.bytes().filter(u8::is_ascii_digit).count();
    if !(9..=15).contains(&digits) {
        return false;
    }
    if candidate.starts_with('+') {
        return true;
    }
    let groups: Vec<&str> = candidate
        .split(|c: char| !c.is_ascii_digit())
        .filter(|g| !g.is_empty())
        .collect();
    let subscriber_number = groups.last().is_some_and(|g| g.len() >= 3);
    (3..=5).contains(&groups.len()) && groups[1..].iter().all(|g| g.len() >= 2) && subscriber_number
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_email_addresses() {
        assert_eq!(
            find_emails("mail jane.doe+x@example.co.th."),
            vec!["jane.doe+x@example.co.th"]
        );
        assert_eq!(find_emails("a@b.io and c@d.dev"), vec!["a@b.io", "c@d.dev"]);
    }

    #[test]
    fn mentions_and_odd_strings_are_not_emails() {
        assert!(find_emails("thanks @octocat!").is_empty());
        assert!(find_emails("npm i pkg@1.2.3").is_empty());
        assert!(find_emails("user@localhost").is_empty());
    }

    #[test]
    fn finds_phone_numbers() {
        assert_eq!(
            find_phone_numbers("call +66 81 234 5678 now"),
            vec!["+66 81 234 5678"]
        );
        assert_eq!(find_phone_numbers("(555) 123-4567"), vec!["(555) 123-4567"]);
        assert_eq!(
            find_phone_numbers("โทร 081-234-5678 ค่ะ"),
            vec!["081-234-5678"]
        );
    }

    #[test]
    fn dates_versions_and_counts_are_not_phone_numbers() {
        for text in [
            "on 2026-11-21",
            "v1.20.300.4000.5",
            "1234567890 rows",
            "1,000,000,000 users",
            "PR #12345678901",
            "10 20 30 40 50",
        ] {
            assert!(
                find_phone_numbers(text).is_empty(),
                "{text:?} -> {:?}",
                find_phone_numbers(text)
            );
        }
    }
}
