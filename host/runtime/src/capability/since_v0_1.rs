//! The 0.1.0 contract's host interfaces, implemented by the newest implementation.
//!
//! Each function converts its arguments up to the newest types, calls the capability's own
//! implementation (where its policy check lives) and converts the answer down, so a 0.1.0
//! component is held to exactly the same rules as a 0.2.0 one, by the same code.

use super::{
    clock::ClockState, config::ConfigState, http::HttpState, llm::LlmState, log::LogState,
    repo::RepoState,
};
use dailyx_world::host::dailyx::agent as new;
use dailyx_world::v0_1 as old;

impl old::http::Host for HttpState {
    async fn fetch(
        &mut self,
        request: old::http::Request,
    ) -> Result<old::http::Response, old::http::HttpError> {
        new::http::Host::fetch(self, request.into())
            .await
            .map(Into::into)
            .map_err(Into::into)
    }
}

impl old::llm::Host for LlmState {
    async fn complete(
        &mut self,
        request: old::llm::CompletionRequest,
    ) -> Result<old::llm::Completion, old::llm::LlmError> {
        new::llm::Host::complete(self, request.into())
            .await
            .map(Into::into)
            .map_err(Into::into)
    }
}

impl old::repo::Host for RepoState {
    async fn repositories(&mut self) -> Vec<String> {
        new::repo::Host::repositories(self).await
    }

    async fn log(
        &mut self,
        query: old::repo::LogQuery,
    ) -> Result<Vec<old::repo::Commit>, old::repo::RepoError> {
        new::repo::Host::log(self, query.into())
            .await
            .map(|commits| commits.into_iter().map(Into::into).collect())
            .map_err(Into::into)
    }

    async fn read_file(
        &mut self,
        repository: String,
        path: String,
        revision: Option<String>,
    ) -> Result<Vec<u8>, old::repo::RepoError> {
        new::repo::Host::read_file(self, repository, path, revision)
            .await
            .map_err(Into::into)
    }
}

impl old::log::Host for LogState {
    async fn write(&mut self, level: old::log::Level, message: String) {
        new::log::Host::write(self, level.into(), message).await
    }
}

impl old::config::Host for ConfigState {
    async fn get(&mut self, key: String) -> Result<Option<String>, old::config::ConfigError> {
        new::config::Host::get(self, key).await.map_err(Into::into)
    }
}

impl old::clock::Host for ClockState {
    async fn now_ms(&mut self) -> i64 {
        new::clock::Host::now_ms(self).await
    }

    async fn monotonic_ns(&mut self) -> u64 {
        new::clock::Host::monotonic_ns(self).await
    }
}
