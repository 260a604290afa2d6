//! Link checks: plain-HTTP links and URL shorteners (which hide where a
//! reader is sent and look like spam on X).

use dailyx_xtext::{find_urls, host_of};

const SHORTENERS: &[&str] = &[
    "bit.ly",
    "tinyurl.com",
    "t.co",
    "goo.gl",
    "ow.ly",
    "is.gd",
    "buff.ly",
    "rebrand.ly",
    "cutt.ly",
    "shorturl.at",
    "tiny.cc",
    "lnkd.in",
    "rb.gy",
    "s.id",
    "v.gd",
    "t.ly",
];

/// A problem with one link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkProblem {
    /// `http://` rather than `https://`.
    Insecure(String),
    /// A known URL shortener.
    Shortener(String),
}

/// Problems with the links in `text`, in order.
pub fn check_links(text: &str) -> Vec<LinkProblem> {
    let mut problems = Vec::new();
    for range in find_urls(text) {
        let url = &text[range];
        if url
            .get(..7)
            .is_some_and(|s| s.eq_ignore_ascii_case("http://"))
        {
            problems.push(LinkProblem::Insecure(url.to_owned()));
        }
        if SHORTENERS.contains(&host_of(url).as_str()) {
            problems.push(LinkProblem::Shortener(url.to_owned()));
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_plain_http() {
        assert_eq!(
            check_links("see http://example.com/x"),
            vec![LinkProblem::Insecure("http://example.com/x".into())]
        );
        assert!(check_links("see https://example.com/x and example.org").is_empty());
    }

    #[test]
    fn flags_shorteners() {
        assert_eq!(
            check_links("https://bit.ly/3abc"),
            vec![LinkProblem::Shortener("https://bit.ly/3abc".into())]
        );
        assert_eq!(
            check_links("tinyurl.com/y4"),
            vec![LinkProblem::Shortener("tinyurl.com/y4".into())]
        );
        assert_eq!(
            check_links("HTTP://www.bit.ly/x"),
            vec![
                LinkProblem::Insecure("HTTP://www.bit.ly/x".into()),
                LinkProblem::Shortener("HTTP://www.bit.ly/x".into())
            ]
        );
    }
}
