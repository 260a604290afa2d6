//! The component: the collector logic over the host's `repo` and `http` capabilities.
//! (The interface's `use types.{..}` brings `RunContext`, `Material` and `AgentError` into scope.)

use dailyx_sdk::repo::{self, Commit, LogQuery, RepoError};

dailyx_sdk::generate!("collector", "../../wit/0.2");
use exports::dailyx::agent::collector_api::*;

struct Component;

struct Host;

impl crate::CollectorHost for Host {
    fn repositories(&self) -> Vec<String> {
        repo::repositories()
    }

    fn log(&self, query: &LogQuery) -> Result<Vec<Commit>, AgentError> {
        repo::log(query).map_err(AgentError::from)
    }

    fn read_file(&self, repository: &str, path: &str) -> Result<Option<Vec<u8>>, AgentError> {
        match repo::read_file(repository, path, None) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(RepoError::NotFound(_)) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    fn get(&self, url: &str, accept: &str) -> Result<Vec<u8>, AgentError> {
        dailyx_sdk::http_get(url, &[("accept", accept)]).map(|r| r.body)
    }
}

impl Guest for Component {
    fn collect(ctx: RunContext) -> Result<Vec<Material>, AgentError> {
        dailyx_sdk::init();
        let settings = crate::Settings {
            max_commits: dailyx_sdk::config_json("max_commits")?.unwrap_or(200),
            changelog_files: dailyx_sdk::config_json("changelog_files")?
                .unwrap_or_else(|| crate::Settings::default().changelog_files),
            first_run_days: dailyx_sdk::config_json("first_run_days")?.unwrap_or(7),
            github_repositories: dailyx_sdk::config_json("github_repositories")?
                .unwrap_or_default(),
            github_api: dailyx_sdk::config_json("github_api")?
                .unwrap_or_else(|| crate::Settings::default().github_api),
            feeds: dailyx_sdk::config_json("feeds")?.unwrap_or_default(),
            max_items: dailyx_sdk::config_json("max_items")?.unwrap_or(30),
        };
        let materials = crate::collect(&ctx, &Host, &settings)?;
        dailyx_sdk::info(&format!("collected {} materials", materials.len()));
        Ok(materials)
    }
}

export!(Component);
