//! RSS 2.0 and Atom feeds (`feeds = ["https://...", ...]`), through the `http` capability.
//!
//! Read with quick-xml's streaming reader: only the fields a material needs (title, link, id,
//! date, summary) of each item/entry are kept. Entities are unescaped, CDATA is text, and
//! anything else (namespaced extensions, images) is ignored.

use crate::CollectorHost;
use dailyx_model::{AgentError, Material, MaterialKind};
use quick_xml::Reader;
use quick_xml::events::Event;

/// One item of a feed, as read.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct FeedItem {
    /// `<guid>` / `<id>`, else the link.
    pub id: String,
    /// `<title>`.
    pub title: String,
    /// `<link>` (RSS text, Atom `href`; Atom prefers `rel="alternate"`).
    pub link: Option<String>,
    /// `<description>` / `<summary>` / `<content>`, tags stripped.
    pub summary: String,
    /// `<pubDate>` / `<published>` / `<updated>`, Unix ms.
    pub timestamp_ms: Option<i64>,
    /// `<author>` / `<dc:creator>` / Atom `<author><name>`.
    pub author: Option<String>,
}

/// Materials from feed `url` newer than `since_ms`, at most `max_items`.
pub fn collect(
    host: &dyn CollectorHost,
    url: &str,
    since_ms: i64,
    max_items: u32,
) -> Result<Vec<Material>, AgentError> {
    let body = host.get(
        url,
        "application/rss+xml, application/atom+xml, application/xml;q=0.9",
    )?;
    let items = parse(&body)
        .map_err(|e| AgentError::Upstream(format!("GET {url}: not an RSS or Atom feed: {e}")))?;
    Ok(items
        .into_iter()
        .filter(|i| i.timestamp_ms.is_some_and(|t| t >= since_ms))
        .take(max_items as usize)
        .map(|i| Material {
            id: format!("feed:{url}:{}", i.id),
            kind: MaterialKind::FeedItem,
            source: url.to_owned(),
            title: i.title,
            body: i.summary,
            url: i.link,
            author: i.author,
            timestamp_ms: i.timestamp_ms.unwrap_or(0),
            files_changed: Vec::new(),
            insertions: 0,
            deletions: 0,
            tags: vec!["feed".into()],
        })
        .collect())
}

/// Every item of an RSS 2.0 or Atom document, in document order.
pub fn parse(xml: &[u8]) -> Result<Vec<FeedItem>, String> {
    let mut reader = Reader::from_reader(xml);
    reader.config_mut().trim_text(false);
    let mut items = Vec::new();
    let mut root_seen = false;
    let mut current: Option<FeedItem> = None;
    // The element whose text is being gathered inside an item, and the text so far: text comes
    // in pieces around entity references (`A &amp; B` is Text, GeneralRef, Text).
    let mut field: Option<String> = None;
    let mut text = String::new();
    let mut in_author = false;
    let mut buf = Vec::new();
    loop {
        let event = reader
            .read_event_into(&mut buf)
            .map_err(|e| format!("at byte {}: {e}", reader.buffer_position()))?;
        match event {
            Event::Start(e) | Event::Empty(e) if !root_seen => {
                let name = local(e.name().as_ref());
                if name != "rss" && name != "feed" && name != "RDF" {
                    return Err(format!("the root element is <{name}>, not <rss> or <feed>"));
                }
                root_seen = true;
            }
            Event::Start(e) => {
                let name = local(e.name().as_ref());
                match (name.as_str(), current.as_mut()) {
                    ("item" | "entry", None) => current = Some(FeedItem::default()),
                    ("author", Some(_)) => in_author = true,
                    ("link", Some(item)) => atom_link(&e, item),
                    _ => {}
                }
                if current.is_some() {
                    field = Some(name);
                    text.clear();
                }
            }
            Event::Empty(e) => {
                if let (Some(item), "link") = (current.as_mut(), local(e.name().as_ref()).as_str())
                {
                    atom_link(&e, item);
                }
            }
            Event::Text(t) if field.is_some() => text.push_str(&t.xml10_content()),
            Event::CData(t) if field.is_some() => {
                text.push_str(&t.into_inner());
            }
            Event::GeneralRef(r) if field.is_some() => {
                let name = r.xml10_content();
                match r.resolve_char_ref() {
                    Ok(Some(c)) => text.push(c),
                    _ => match quick_xml::escape::resolve_predefined_entity(&name) {
                        Some(s) => text.push_str(s),
                        // An HTML entity (`&nbsp;`): kept for strip_tags to decode.
                        None => {
                            text.push('&');
                            text.push_str(&name);
                            text.push(';');
                        }
                    },
                }
            }
            Event::End(e) => {
                let name = local(e.name().as_ref());
                if let (Some(item), Some(f)) = (current.as_mut(), field.take()) {
                    take_text(item, &f, &text, in_author);
                    text.clear();
                }
                match name.as_str() {
                    "item" | "entry" => {
                        if let Some(mut item) = current.take() {
                            if item.id.is_empty() {
                                item.id = item.link.clone().unwrap_or_else(|| item.title.clone());
                            }
                            if !item.title.is_empty() || !item.summary.is_empty() {
                                items.push(item);
                            }
                        }
                    }
                    "author" => in_author = false,
                    _ => {}
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    if !root_seen {
        return Err("the document is empty".into());
    }
    Ok(items)
}

fn local(name: &str) -> String {
    name.rsplit(':').next().unwrap_or_default().to_owned()
}

/// An Atom `<link href=... rel=...>`: the alternate (or first) link is the item's link.
fn atom_link(e: &quick_xml::events::BytesStart<'_>, item: &mut FeedItem) {
    let mut href = None;
    let mut rel = None;
    for a in e.attributes().flatten() {
        let value = a
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .map(|v| v.into_owned())
            .unwrap_or_default();
        match a.key.as_ref() {
            "href" => href = Some(value),
            "rel" => rel = Some(value),
            _ => {}
        }
    }
    if let Some(href) = href
        && (item.link.is_none() || rel.as_deref().is_none_or(|r| r == "alternate"))
    {
        item.link = Some(href);
    }
}

fn take_text(item: &mut FeedItem, field: &str, text: &str, in_author: bool) {
    let text = text.trim();
    if text.is_empty() {
        return;
    }
    if in_author {
        // RSS: <author>mail@x (Name)</author>; Atom: <author><name>Name</name></author>.
        if field == "author" || field == "name" {
            item.author.get_or_insert_with(|| text.to_owned());
        }
        return;
    }
    match field {
        "title" => item.title = text.to_owned(),
        "link" => item.link = Some(text.to_owned()),
        "guid" | "id" => item.id = text.to_owned(),
        "description" | "summary" | "content" | "encoded" if item.summary.is_empty() => {
            item.summary = strip_tags(text);
        }
        "pubDate" | "published" | "date" => item.timestamp_ms = crate::time::any_ms(text),
        "updated" if item.timestamp_ms.is_none() => {
            item.timestamp_ms = crate::time::any_ms(text);
        }
        "creator" => {
            item.author.get_or_insert_with(|| text.to_owned());
        }
        _ => {}
    }
}

/// Text of an HTML fragment (feeds often carry HTML in `<description>`): tags removed,
/// common entities decoded, whitespace collapsed.
pub fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    let decoded = out
        .replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    decoded.split_whitespace().collect::<Vec<_>>().join(" ")
}
