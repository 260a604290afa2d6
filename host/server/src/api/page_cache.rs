//! Serialised pages of `GET /api/drafts`, kept against the drafts' revision
//! ([`dailyx_store::Store::draft_summary`]).
//!
//! Consoles poll the list far more often than drafts change (a few writes a day), and reading a
//! page of drafts with their tweets is the most expensive read the API serves. A page is built
//! once per revision and filter, then served as bytes; any write to any draft changes the
//! revision and empties the cache. The revision is read from the database on every request,
//! so writes by other hosts on the same Postgres are seen at once.

use axum::body::Bytes;
use std::collections::HashMap;
use std::sync::Mutex;

/// How many (filter, page) combinations one revision keeps.
const MAX_PAGES: usize = 64;

/// What a page is built from besides the revision.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PageKey {
    /// The status filter, if any.
    pub status: Option<&'static str>,
    #[allow(missing_docs)]
    pub limit: i64,
    #[allow(missing_docs)]
    pub offset: i64,
}

/// The cache: the pages of one revision.
#[derive(Default)]
pub struct PageCache {
    inner: Mutex<Pages>,
}

#[derive(Default)]
struct Pages {
    revision: String,
    pages: HashMap<PageKey, Bytes>,
}

impl PageCache {
    /// The page for `key` at `revision`, if built.
    pub fn get(&self, revision: &str, key: &PageKey) -> Option<Bytes> {
        let pages = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        (pages.revision == revision)
            .then(|| pages.pages.get(key).cloned())
            .flatten()
    }

    /// Keeps `body` as the page for `key` at `revision`. The caller read the revision before
    /// reading the page, so the page is at least as new as the revision: a write in between
    /// changes the revision the next request reads, and that request misses.
    pub fn put(&self, revision: &str, key: PageKey, body: Bytes) {
        let mut pages = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if pages.revision != revision || pages.pages.len() >= MAX_PAGES {
            pages.revision = revision.to_owned();
            pages.pages.clear();
        }
        pages.pages.insert(key, body);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(offset: i64) -> PageKey {
        PageKey {
            status: None,
            limit: 50,
            offset,
        }
    }

    #[test]
    fn a_page_is_served_only_at_the_revision_it_was_built_for() {
        let cache = PageCache::default();
        assert_eq!(cache.get("1.1.1", &key(0)), None);
        cache.put("1.1.1", key(0), Bytes::from_static(b"page"));
        assert_eq!(cache.get("1.1.1", &key(0)).as_deref(), Some(&b"page"[..]));
        assert_eq!(cache.get("1.1.1", &key(50)), None, "another page");
        assert_eq!(cache.get("1.2.5", &key(0)), None, "after a write");
        cache.put("1.2.5", key(50), Bytes::from_static(b"next"));
        assert_eq!(cache.get("1.1.1", &key(0)), None, "old revision dropped");
    }

    #[test]
    fn the_cache_is_bounded() {
        let cache = PageCache::default();
        for offset in 0..(MAX_PAGES as i64 + 10) {
            cache.put("r", key(offset), Bytes::from_static(b"p"));
        }
        let kept = (0..(MAX_PAGES as i64 + 10))
            .filter(|&o| cache.get("r", &key(o)).is_some())
            .count();
        assert!(kept <= MAX_PAGES);
        assert!(cache.get("r", &key(MAX_PAGES as i64 + 9)).is_some());
    }
}
