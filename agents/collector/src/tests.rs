use super::*;
use dailyx_sdk::repo::FileChange;
use std::collections::HashMap;

#[derive(Default)]
struct FakeHost {
    commits: HashMap<String, Vec<Commit>>,
    files: HashMap<(String, String), String>,
    /// URL -> body; a missing URL answers like a 503.
    web: HashMap<String, String>,
    requested: std::cell::RefCell<Vec<String>>,
}

impl CollectorHost for FakeHost {
    fn repositories(&self) -> Vec<String> {
        let mut names: Vec<_> = self.commits.keys().cloned().collect();
        names.sort();
        names
    }
    fn log(&self, query: &LogQuery) -> Result<Vec<Commit>, AgentError> {
        let since = query.since_ms.unwrap_or(i64::MIN);
        Ok(self.commits[&query.repository]
            .iter()
            .filter(|c| c.timestamp_ms > since)
            .take(query.max_count as usize)
            .cloned()
            .collect())
    }
    fn read_file(&self, repository: &str, path: &str) -> Result<Option<Vec<u8>>, AgentError> {
        Ok(self
            .files
            .get(&(repository.to_owned(), path.to_owned()))
            .map(|s| s.clone().into_bytes()))
    }
    fn get(&self, url: &str, _accept: &str) -> Result<Vec<u8>, AgentError> {
        self.requested.borrow_mut().push(url.to_owned());
        self.web
            .get(url)
            .map(|b| b.clone().into_bytes())
            .ok_or_else(|| AgentError::Upstream(format!("GET {url}: status 503")))
    }
}

fn commit(id: &str, message: &str, ts: i64, files: &[(&str, u32, u32)]) -> Commit {
    Commit {
        id: id.into(),
        summary: message.lines().next().unwrap_or_default().into(),
        message: message.into(),
        author: "Ada".into(),
        timestamp_ms: ts,
        parent_count: 1,
        files: files
            .iter()
            .map(|(p, i, d)| FileChange {
                path: (*p).into(),
                insertions: *i,
                deletions: *d,
            })
            .collect(),
    }
}

fn ctx(previous: Option<i64>) -> RunContext {
    RunContext {
        run_id: "r1".into(),
        date: "2026-11-21".into(),
        started_at_ms: 10 * DAY_MS,
        previous_run_at_ms: previous,
        dry_run: true,
    }
}

#[test]
fn parses_conventional_commit_headers() {
    let cc = parse_conventional("feat(api)!: add streaming").unwrap();
    assert_eq!(
        (cc.kind, cc.scope, cc.breaking, cc.description),
        ("feat", Some("api"), true, "add streaming")
    );
    assert_eq!(parse_conventional("fix: typo").unwrap().kind, "fix");
    assert!(parse_conventional("Merge branch 'main'").is_none());
    assert!(parse_conventional("Fix: capitalised type").is_none());
    assert!(parse_conventional("feat(api: unclosed").is_none());
}

#[test]
fn commits_since_previous_run_become_materials_with_stable_ids() {
    let host = FakeHost {
        commits: HashMap::from([(
            "app".to_string(),
            vec![
                commit(
                    "c2",
                    "feat(ui): dark mode\n\nLong body.",
                    9 * DAY_MS,
                    &[("ui.rs", 40, 2), ("ui.css", 10, 0)],
                ),
                commit("c1", "fix: old", 2 * DAY_MS, &[("a.rs", 1, 1)]),
            ],
        )]),
        files: HashMap::new(),
        ..Default::default()
    };
    let materials = collect(&ctx(Some(5 * DAY_MS)), &host, &Settings::default()).unwrap();
    assert_eq!(materials.len(), 1, "only commits after the previous run");
    let m = &materials[0];
    assert_eq!(m.id, "git:app:c2");
    assert_eq!(m.title, "feat(ui): dark mode");
    assert_eq!(m.body, "Long body.");
    assert_eq!((m.insertions, m.deletions), (50, 2));
    assert_eq!(m.files_changed, vec!["ui.rs", "ui.css"]);
    assert_eq!(m.tags, vec!["feat", "scope:ui"]);
    let again = collect(&ctx(Some(5 * DAY_MS)), &host, &Settings::default()).unwrap();
    assert_eq!(again[0].id, m.id, "ids are stable across runs");
}

#[test]
fn first_run_looks_back_the_configured_days() {
    let host = FakeHost {
        commits: HashMap::from([(
            "app".to_string(),
            vec![
                commit("new", "a", 9 * DAY_MS, &[]),
                commit("old", "b", DAY_MS, &[]),
            ],
        )]),
        files: HashMap::new(),
        ..Default::default()
    };
    let ids: Vec<_> = collect(&ctx(None), &host, &Settings::default())
        .unwrap()
        .into_iter()
        .map(|m| m.id)
        .collect();
    assert_eq!(ids, vec!["git:app:new"]);
}

#[test]
fn newest_changelog_section_with_content_is_collected() {
    let changelog = "# Changelog\n\n## Unreleased\n\n## 1.4.0 - 2026-11-20\n- Faster sync\n- New CLI flag\n\n## 1.3.0\n- old\n";
    assert_eq!(
        latest_changelog_section(changelog),
        Some((
            "1.4.0 - 2026-11-20".into(),
            "- Faster sync\n- New CLI flag".into()
        ))
    );
    let host = FakeHost {
        commits: HashMap::from([("app".to_string(), vec![])]),
        files: HashMap::from([(
            ("app".to_string(), "CHANGELOG.md".to_string()),
            changelog.to_string(),
        )]),
        ..Default::default()
    };
    let materials = collect(&ctx(None), &host, &Settings::default()).unwrap();
    assert_eq!(materials.len(), 1);
    assert_eq!(materials[0].kind, MaterialKind::Changelog);
    assert_eq!(
        materials[0].id,
        "changelog:app:CHANGELOG.md:1.4.0 - 2026-11-20"
    );
}

mod sources {
    use super::*;

    const DAY: i64 = 86_400_000;
    // 2026-11-20T09:30:00Z
    const NOV20: i64 = 1_795_167_000_000;

    fn ctx_at(now: i64) -> RunContext {
        RunContext {
            run_id: "r".into(),
            date: "2026-11-21".into(),
            started_at_ms: now,
            previous_run_at_ms: Some(now - 2 * DAY),
            dry_run: true,
        }
    }

    fn github_host() -> FakeHost {
        let mut web = HashMap::new();
        web.insert(
            "https://gh.test/repos/acme/tool/releases?per_page=30".into(),
            r#"[
              {"tag_name":"v2.0.0","name":"Two","body":"Faster builds","html_url":"https://github.com/acme/tool/releases/v2.0.0",
               "published_at":"2026-11-20T09:30:00Z","draft":false,"prerelease":false,"author":{"login":"ann"}},
              {"tag_name":"v2.1.0-rc1","name":null,"body":null,"html_url":null,"published_at":"2026-11-20T10:00:00Z",
               "draft":false,"prerelease":true,"author":null},
              {"tag_name":"v3","name":"Secret","published_at":null,"draft":true},
              {"tag_name":"v1.0.0","name":"Old","published_at":"2026-01-01T00:00:00Z"}
            ]"#.into(),
        );
        web.insert(
            "https://gh.test/repos/acme/tool/pulls?state=closed&sort=updated&direction=desc&per_page=30".into(),
            r#"[
              {"number":42,"title":"feat(cli)!: new config format","body":"Details","html_url":"https://github.com/acme/tool/pull/42",
               "merged_at":"2026-11-19T12:00:00Z","user":{"login":"bob"},"labels":[{"name":"enhancement"}]},
              {"number":43,"title":"Closed, not merged","merged_at":null,"user":{"login":"eve"}}
            ]"#.into(),
        );
        FakeHost {
            web,
            ..Default::default()
        }
    }

    fn github_settings() -> Settings {
        Settings {
            github_repositories: vec!["acme/tool".into()],
            github_api: "https://gh.test/".into(),
            ..Settings::default()
        }
    }

    #[test]
    fn github_releases_and_merged_pull_requests_become_materials() {
        let host = github_host();
        let got = collect(&ctx_at(NOV20 + DAY), &host, &github_settings()).unwrap();
        let ids: Vec<&str> = got.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "github:acme/tool:release:v2.1.0-rc1",
                "github:acme/tool:release:v2.0.0",
                "github:acme/tool:pr:42"
            ],
            "drafts, old releases and unmerged PRs are left out; newest first"
        );
        let release = &got[1];
        assert_eq!(release.kind, MaterialKind::Release);
        assert_eq!(
            (release.title.as_str(), release.body.as_str()),
            ("Two", "Faster builds")
        );
        assert_eq!(release.timestamp_ms, NOV20);
        assert_eq!(release.author.as_deref(), Some("ann"));
        assert_eq!(
            got[0].title, "v2.1.0-rc1",
            "a release without a name is titled by its tag"
        );
        assert!(got[0].tags.contains(&"prerelease".to_string()));
        let pr = &got[2];
        assert_eq!(pr.kind, MaterialKind::PullRequest);
        assert_eq!(pr.tags, ["feat", "enhancement", "breaking"]);
        assert_eq!(
            pr.url.as_deref(),
            Some("https://github.com/acme/tool/pull/42")
        );
    }

    #[test]
    fn github_failures_are_upstream_errors_and_bad_names_are_refused() {
        let host = FakeHost::default();
        let err = collect(&ctx_at(NOV20), &host, &github_settings()).unwrap_err();
        assert!(
            matches!(err, AgentError::Upstream(ref m) if m.contains("503")),
            "{err:?}"
        );
        let mut host = github_host();
        host.web.insert(
            "https://gh.test/repos/acme/tool/releases?per_page=30".into(),
            "<html>rate limited</html>".into(),
        );
        let err = collect(&ctx_at(NOV20), &host, &github_settings()).unwrap_err();
        assert!(
            matches!(err, AgentError::Upstream(ref m) if m.contains("not the JSON")),
            "{err:?}"
        );
        for bad in [
            "acme",
            "acme/tool/x",
            "../x",
            "acme/..",
            "ac me/tool",
            "acme/tool?x=1",
        ] {
            let settings = Settings {
                github_repositories: vec![bad.into()],
                ..github_settings()
            };
            let err = collect(&ctx_at(NOV20), &host, &settings).unwrap_err();
            assert!(matches!(err, AgentError::InvalidInput(_)), "{bad}: {err:?}");
        }
    }

    const RSS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel>
    <title>Acme blog</title>
    <item>
      <title>Tool 2.0: builds &amp; tests 3&#215; faster</title>
      <link>https://blog.acme.test/tool-2</link>
      <guid isPermaLink="false">post-2</guid>
      <pubDate>Fri, 20 Nov 2026 09:30:00 +0000</pubDate>
      <dc:creator>Ann</dc:creator>
      <description><![CDATA[<p>We made <b>everything</b> faster.&nbsp;Really.</p>]]></description>
    </item>
    <item>
      <title>Old news</title>
      <link>https://blog.acme.test/old</link>
      <pubDate>Mon, 05 Jan 2026 10:00:00 GMT</pubDate>
    </item>
  </channel>
</rss>"#;

    const ATOM: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Acme releases</title>
  <entry>
    <title type="html">Release 2.0</title>
    <link rel="self" href="https://acme.test/feed/1"/>
    <link rel="alternate" href="https://acme.test/releases/2.0"/>
    <id>tag:acme.test,2026:release-2.0</id>
    <updated>2026-11-20T10:00:00Z</updated>
    <author><name>Bob</name><email>bob@acme.test</email></author>
    <summary>Two point oh.</summary>
  </entry>
</feed>"#;

    #[test]
    fn rss_items_are_read_with_entities_cdata_and_dates() {
        let items = feeds::parse(RSS.as_bytes()).unwrap();
        assert_eq!(items.len(), 2);
        let first = &items[0];
        assert_eq!(first.title, "Tool 2.0: builds & tests 3\u{d7} faster");
        assert_eq!(first.id, "post-2");
        assert_eq!(first.link.as_deref(), Some("https://blog.acme.test/tool-2"));
        assert_eq!(first.summary, "We made everything faster. Really.");
        assert_eq!(first.timestamp_ms, Some(NOV20));
        assert_eq!(first.author.as_deref(), Some("Ann"));
        assert_eq!(
            items[1].id, "https://blog.acme.test/old",
            "no guid: the link is the id"
        );
    }

    #[test]
    fn atom_entries_are_read_with_the_alternate_link() {
        let items = feeds::parse(ATOM.as_bytes()).unwrap();
        assert_eq!(items.len(), 1);
        let e = &items[0];
        assert_eq!(e.title, "Release 2.0");
        assert_eq!(e.link.as_deref(), Some("https://acme.test/releases/2.0"));
        assert_eq!(e.id, "tag:acme.test,2026:release-2.0");
        assert_eq!(e.author.as_deref(), Some("Bob"));
        assert_eq!(e.timestamp_ms, Some(NOV20 + 30 * 60_000));
        assert_eq!(e.summary, "Two point oh.");
    }

    #[test]
    fn feeds_become_materials_newer_than_the_previous_run() {
        let mut host = FakeHost::default();
        host.web
            .insert("https://blog.acme.test/rss".into(), RSS.into());
        host.web
            .insert("https://acme.test/atom".into(), ATOM.into());
        let settings = Settings {
            feeds: vec![
                "https://blog.acme.test/rss".into(),
                "https://acme.test/atom".into(),
            ],
            ..Settings::default()
        };
        let got = collect(&ctx_at(NOV20 + DAY), &host, &settings).unwrap();
        let ids: Vec<&str> = got.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "feed:https://acme.test/atom:tag:acme.test,2026:release-2.0",
                "feed:https://blog.acme.test/rss:post-2"
            ]
        );
        assert!(got.iter().all(|m| m.kind == MaterialKind::FeedItem));
    }

    #[test]
    fn what_is_not_a_feed_is_a_clear_error() {
        for (doc, want) in [
            ("<html><body>hi</body></html>", "root element is <html>"),
            ("", "empty"),
            ("<rss><channel><item><title>x</item></rss>", "at byte"),
        ] {
            let err = feeds::parse(doc.as_bytes()).unwrap_err();
            assert!(err.contains(want), "{doc:?}: {err}");
        }
    }
}
