//! HTML escaping: everything in the e-mail that came from a draft, a
//! finding or a link is untrusted text.

/// `text` with `& < > " '` escaped, safe in element content and in
/// double- or single-quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Whether `url` may be used as a link target: only `https://` and
/// `http://`, so a `javascript:` or `data:` URL never becomes clickable.
pub fn is_safe_link(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://"))
        && !url.chars().any(char::is_control)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape("<script>alert('x')</script>"),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"
        );
        assert_eq!(escape("a & \"b\""), "a &amp; &quot;b&quot;");
        assert_eq!(escape("ค่ะ 🎉"), "ค่ะ 🎉");
    }

    #[test]
    fn only_web_links_are_safe() {
        assert!(is_safe_link("https://example.com/approve?t=abc"));
        assert!(is_safe_link("HTTP://localhost:8080/a"));
        assert!(!is_safe_link("javascript:alert(1)"));
        assert!(!is_safe_link("data:text/html,<b>x</b>"));
        assert!(!is_safe_link("https://a.com/\nSet-Cookie: x"));
    }
}
