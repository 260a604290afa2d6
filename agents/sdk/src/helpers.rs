//! Helpers every component needs: panic forwarding, logging, config and
//! HTTP with JSON, and mapping host errors onto [`AgentError`].

use crate::bindings::dailyx::agent::{config, http, llm, log, repo};
use dailyx_model::AgentError;
use serde::de::DeserializeOwned;

/// Installs the panic hook (once). Call it first in every export.
///
/// The hook sends the panic message and location to the host's `log` at
/// error level, then the guest aborts (traps) as usual.
pub fn init() {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            log::write(log::Level::Error, &format!("guest panic: {info}"));
        }));
    });
}

/// Logs at info level.
pub fn info(message: &str) {
    log::write(log::Level::Info, message);
}

/// Logs at warn level.
pub fn warn(message: &str) {
    log::write(log::Level::Warn, message);
}

/// Logs at debug level.
pub fn debug(message: &str) {
    log::write(log::Level::Debug, message);
}

/// Reads a config value and parses it as JSON; `Ok(None)` when unset.
///
/// A value that is not valid JSON is taken as a JSON string, so plain
/// settings (`model = "x"`) and structured ones (`sources = [...]`) both work.
pub fn config_json<T: DeserializeOwned>(key: &str) -> Result<Option<T>, AgentError> {
    let Some(raw) = config::get(key).map_err(AgentError::from)? else {
        return Ok(None);
    };
    parse_config_value(key, &raw).map(Some)
}

/// Parses a config value: JSON when it parses as JSON, else a JSON string.
pub fn parse_config_value<T: DeserializeOwned>(key: &str, raw: &str) -> Result<T, AgentError> {
    serde_json::from_str(raw)
        .or_else(|_| serde_json::from_value(serde_json::Value::String(raw.to_owned())))
        .map_err(|e| AgentError::InvalidInput(format!("config key `{key}`: {e}")))
}

/// GETs `url` and parses the body as JSON; a non-2xx status is an upstream error.
pub fn http_get_json<T: DeserializeOwned>(
    url: &str,
    headers: &[(&str, &str)],
) -> Result<T, AgentError> {
    let response = http_get(url, headers)?;
    serde_json::from_slice(&response.body)
        .map_err(|e| AgentError::Upstream(format!("GET {url}: body is not the expected JSON: {e}")))
}

/// GETs `url`; a non-2xx status is an upstream error.
pub fn http_get(url: &str, headers: &[(&str, &str)]) -> Result<http::Response, AgentError> {
    let request = http::Request {
        method: http::Method::Get,
        url: url.to_owned(),
        headers: headers
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        body: None,
        timeout_ms: None,
    };
    let response = http::fetch(&request).map_err(AgentError::from)?;
    if !(200..300).contains(&response.status) {
        return Err(AgentError::Upstream(format!(
            "GET {url}: status {}",
            response.status
        )));
    }
    Ok(response)
}

impl From<http::HttpError> for AgentError {
    fn from(e: http::HttpError) -> Self {
        match e {
            http::HttpError::Denied(m) => AgentError::CapabilityDenied(format!("http: {m}")),
            http::HttpError::InvalidRequest(m) => AgentError::InvalidInput(format!("http: {m}")),
            http::HttpError::Timeout => AgentError::Upstream("http: timed out".into()),
            http::HttpError::TooLarge(m) => AgentError::Upstream(format!("http: too large: {m}")),
            http::HttpError::Transport(m) => AgentError::Upstream(format!("http: {m}")),
        }
    }
}

impl From<llm::LlmError> for AgentError {
    fn from(e: llm::LlmError) -> Self {
        match e {
            llm::LlmError::NotConfigured => {
                AgentError::CapabilityDenied("llm: no LLM endpoint is configured".into())
            }
            llm::LlmError::Denied(m) => AgentError::CapabilityDenied(format!("llm: {m}")),
            llm::LlmError::BudgetExceeded(m) => {
                AgentError::CapabilityDenied(format!("llm: token budget exceeded: {m}"))
            }
            llm::LlmError::Timeout => AgentError::Upstream("llm: timed out".into()),
            llm::LlmError::Upstream(m) => AgentError::Upstream(format!("llm: {m}")),
        }
    }
}

impl From<repo::RepoError> for AgentError {
    fn from(e: repo::RepoError) -> Self {
        match e {
            repo::RepoError::Denied(m) => AgentError::CapabilityDenied(format!("repo: {m}")),
            repo::RepoError::NotFound(m) => AgentError::Upstream(format!("repo: not found: {m}")),
            repo::RepoError::InvalidPath(m) => AgentError::InvalidInput(format!("repo: {m}")),
            repo::RepoError::TooLarge(m) => AgentError::Upstream(format!("repo: too large: {m}")),
            repo::RepoError::Internal(m) => AgentError::Upstream(format!("repo: {m}")),
        }
    }
}

impl From<config::ConfigError> for AgentError {
    fn from(e: config::ConfigError) -> Self {
        match e {
            config::ConfigError::Denied(m) => AgentError::CapabilityDenied(format!("config: {m}")),
        }
    }
}
