//! Link checks: plain-HTTP links, URL shorteners (which hide where a
//! reader is sent and look like spam on X) and, when the operator lists the
//! domains a post may link to, links anywhere else (a commit message or a
//! feed item can carry any URL into a draft).

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
    /// A link to a domain the allow-list does not name: (URL, host).
    Unlisted(String, String),
}

/// Whether `host` is one of `domains` or below one of them (`docs.example.org` is below
/// `example.org`; `badexample.org` is not). Compared without case and without a final dot.
pub fn domain_allowed(host: &str, domains: &[String]) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    domains.iter().any(|d| {
        let d = d
            .trim()
            .trim_start_matches("*.")
            .trim_end_matches('.')
            .to_ascii_lowercase();
        !d.is_empty()
            && (host == d
                || host
                    .strip_suffix(&d)
                    .is_some_and(|rest| rest.ends_with('.')))
    })
}

/// Links in `text` to hosts outside `domains`, in order. An empty list allows every domain.
pub fn unlisted_links(text: &str, domains: &[String]) -> Vec<LinkProblem> {
    if domains.iter().all(|d| d.trim().is_empty()) {
        return Vec::new();
    }
    find_urls(text)
        .into_iter()
        .filter_map(|range| {
            let url = &text[range];
            let host = host_of(url);
            (!domain_allowed(&host, domains)).then(|| LinkProblem::Unlisted(url.to_owned(), host))
        })
        .collect()
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
    fn allowed_domains_match_whole_labels() {
        let list = vec!["github.com".to_owned(), "*.Example.org".to_owned()];
        assert!(domain_allowed("github.com", &list));
        assert!(domain_allowed("GITHUB.com.", &list));
        assert!(domain_allowed("docs.example.org", &list));
        assert!(domain_allowed("example.org", &list));
        assert!(!domain_allowed("evilgithub.com", &list));
        assert!(!domain_allowed("github.com.evil.example", &list));
        assert!(!domain_allowed("evil.example", &list));
    }

    #[test]
    fn links_outside_the_list_are_flagged_and_an_empty_list_allows_all() {
        let text = "see https://github.com/o/r/pull/1 and https://evil.example/__x__ and docs.example.org/a";
        let list = vec!["github.com".to_owned(), "example.org".to_owned()];
        assert_eq!(
            unlisted_links(text, &list),
            vec![LinkProblem::Unlisted(
                "https://evil.example/__x__".into(),
                "evil.example".into()
            )]
        );
        assert!(unlisted_links(text, &[]).is_empty());
        assert!(unlisted_links(text, &[" ".to_owned()]).is_empty());
    }

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
