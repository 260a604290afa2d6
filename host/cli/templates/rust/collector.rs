//! {{name}}: a Collector. The last day's commits of every repository it is granted.

use dailyx::agent::types::MaterialKind;
use dailyx::agent::repo::{self, LogQuery};

wit_bindgen::generate!({ path: "wit", world: "collector", generate_all });
use exports::dailyx::agent::collector_api::*;

struct Component;

impl Guest for Component {
    fn collect(ctx: RunContext) -> Result<Vec<Material>, AgentError> {
        let since = ctx.previous_run_at_ms.unwrap_or(ctx.started_at_ms - 24 * 3600 * 1000);
        let mut out = Vec::new();
        for repository in repo::repositories() {
            let query = LogQuery { repository: repository.clone(), since_ms: Some(since), max_count: 50 };
            let commits = repo::log(&query).map_err(|e| AgentError::Upstream(format!("{e:?}")))?;
            out.extend(commits.into_iter().map(|c| Material {
                id: format!("commit:{}", c.id),
                kind: MaterialKind::Commit,
                source: repository.clone(),
                title: c.summary,
                body: c.message,
                url: None,
                author: Some(c.author),
                timestamp_ms: c.timestamp_ms,
                files_changed: c.files.iter().map(|f| f.path.clone()).collect(),
                insertions: c.files.iter().map(|f| f.insertions).sum(),
                deletions: c.files.iter().map(|f| f.deletions).sum(),
                tags: vec![],
            }));
        }
        Ok(out)
    }
}

export!(Component);
