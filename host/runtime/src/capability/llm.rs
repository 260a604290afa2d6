//! The `llm` capability: chat completion against the operator's
//! OpenAI-compatible endpoint (OpenRouter by default, or any compatible
//! server such as a local one).
//!
//! The endpoint, key and default model are operator configuration and never
//! reach the guest. A grant is required; its `max_tokens_per_run` budget
//! bounds prompt + completion tokens over all calls of one run. With no
//! endpoint configured the answer is `not-configured`, never a fake answer.

use crate::events::EventRecorder;
use crate::secret::Secret;
use arc_swap::ArcSwapOption;
use dailyx_world::llm::{self as wit, Completion, CompletionRequest, LlmError, Role};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;

/// The `[component.grants.llm]` table: presence grants the LLM.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LlmGrant {
    /// Prompt + completion tokens over one run.
    pub max_tokens_per_run: u32,
    /// Models the component may ask for; empty: only the operator's default.
    #[serde(default)]
    pub models: Vec<String>,
}

/// Upgrade review of the `llm` grant: a new grant, a higher budget or a new model widen it.
pub(crate) fn review(
    old: Option<&LlmGrant>,
    new: Option<&LlmGrant>,
    out: &mut Vec<crate::review::Change>,
) {
    use crate::review::{bound, grant, items};
    let nothing = LlmGrant {
        max_tokens_per_run: 0,
        models: Vec::new(),
    };
    grant(old, new, nothing, out, |old, new, out| {
        bound(
            "grants.llm.max_tokens_per_run",
            Some(old.max_tokens_per_run),
            Some(new.max_tokens_per_run),
            out,
        );
        items("grants.llm.models", &old.models, &new.models, out);
    });
}

/// The operator's endpoint.
#[derive(Debug, Clone)]
pub struct LlmEndpoint {
    /// Base URL; `/chat/completions` is appended.
    pub base_url: String,
    /// Bearer key; absent for local servers that need none.
    pub api_key: Option<Secret>,
    /// The default model.
    pub model: String,
    /// Timeout of one completion.
    pub timeout: Duration,
}

/// Largest completion response read, bytes.
const MAX_RESPONSE_BYTES: usize = 8 << 20;

/// The operator-level LLM service, shared by every call.
pub struct LlmService {
    client: reqwest::Client,
    endpoint: ArcSwapOption<LlmEndpoint>,
}

impl LlmService {
    /// A service for `endpoint` (`None`: not configured).
    pub fn new(endpoint: Option<LlmEndpoint>) -> Result<Self, reqwest::Error> {
        dailyx_common::install_crypto_provider();
        let client = reqwest::Client::builder()
            .no_proxy()
            .connect_timeout(Duration::from_secs(10))
            .user_agent(concat!("dailyx/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(LlmService {
            client,
            endpoint: ArcSwapOption::new(endpoint.map(Arc::new)),
        })
    }

    /// Replaces the endpoint (runtime configuration changes).
    pub fn set_endpoint(&self, endpoint: Option<LlmEndpoint>) {
        self.endpoint.store(endpoint.map(Arc::new));
    }

    /// The endpoint in use (`None`: not configured).
    pub fn endpoint(&self) -> Option<Arc<LlmEndpoint>> {
        self.endpoint.load_full()
    }

    /// Whether an endpoint is configured.
    pub fn is_configured(&self) -> bool {
        self.endpoint.load().is_some()
    }
}

/// Per-call state of the `llm` capability.
pub struct LlmState {
    service: Arc<LlmService>,
    grant: Option<Arc<LlmGrant>>,
    events: EventRecorder,
    /// Tokens used so far in this run.
    pub used: TokenCount,
    /// Answers replayed instead of asking the endpoint (the eval gate's golden cases).
    pub(crate) script: Option<std::collections::VecDeque<String>>,
}

/// Tokens counted by the endpoint.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct TokenCount {
    /// Prompt tokens.
    pub prompt: u32,
    /// Completion tokens.
    pub completion: u32,
}

impl TokenCount {
    /// Prompt and completion together.
    pub fn total(self) -> u32 {
        self.prompt.saturating_add(self.completion)
    }

    fn add(&mut self, other: TokenCount) {
        self.prompt = self.prompt.saturating_add(other.prompt);
        self.completion = self.completion.saturating_add(other.completion);
    }
}

impl LlmState {
    /// State for one call of a component with `grant`.
    pub fn new(
        service: Arc<LlmService>,
        grant: Option<Arc<LlmGrant>>,
        events: EventRecorder,
    ) -> Self {
        LlmState {
            service,
            grant,
            events,
            used: TokenCount::default(),
            script: None,
        }
    }

    /// Answers the next scripted reply, within the grant's budget like a real completion.
    /// Token counts are estimated ([`estimate_tokens`]): no endpoint counts them.
    fn replay(
        &mut self,
        grant: &LlmGrant,
        request: &CompletionRequest,
    ) -> Result<Completion, LlmError> {
        let model = request.model.clone().unwrap_or_else(|| "golden-set".into());
        let target = format!("chat.completions {model} (replayed)");
        let Some(text) = self.script.as_mut().and_then(|s| s.pop_front()) else {
            self.events
                .unavailable("llm", target, "the golden case has no more LLM answers");
            return Err(LlmError::NotConfigured);
        };
        let count = TokenCount {
            prompt: prompt_estimate(request),
            completion: estimate_tokens(&text),
        };
        if self.used.total().saturating_add(count.total()) > grant.max_tokens_per_run {
            let reason = format!(
                "{} of {} tokens used",
                self.used.total(),
                grant.max_tokens_per_run
            );
            self.events.denied("llm", target, reason.clone());
            return Err(LlmError::BudgetExceeded(reason));
        }
        self.used.add(count);
        self.events.allowed(
            "llm",
            target,
            format!(
                "{model}: ~{} prompt + ~{} completion tokens",
                count.prompt, count.completion
            ),
        );
        Ok(Completion {
            text,
            model,
            prompt_tokens: count.prompt,
            completion_tokens: count.completion,
        })
    }
}

#[derive(Serialize)]
struct ChatRequest<'a> {
    model: &'a str,
    messages: Vec<ChatMessage<'a>>,
    max_tokens: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    temperature: Option<f32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    response_format: Option<serde_json::Value>,
}

#[derive(Serialize)]
struct ChatMessage<'a> {
    role: &'static str,
    content: &'a str,
}

#[derive(Deserialize)]
struct ChatResponse {
    model: Option<String>,
    choices: Vec<Choice>,
    usage: Option<Usage>,
}

#[derive(Deserialize)]
struct Choice {
    message: ResponseMessage,
}

#[derive(Deserialize)]
struct ResponseMessage {
    content: Option<String>,
}

#[derive(Deserialize)]
struct Usage {
    prompt_tokens: Option<u32>,
    completion_tokens: Option<u32>,
}

impl wit::Host for LlmState {
    async fn complete(&mut self, request: CompletionRequest) -> Result<Completion, LlmError> {
        let Some(grant) = self.grant.clone() else {
            let reason = "this component has no llm grant".to_owned();
            self.events
                .denied("llm", "chat.completions", reason.clone());
            return Err(LlmError::Denied(reason));
        };
        if self.script.is_some() {
            return self.replay(&grant, &request);
        }
        let Some(endpoint) = self.service.endpoint.load_full() else {
            self.events
                .unavailable("llm", "chat.completions", "no LLM endpoint is configured");
            return Err(LlmError::NotConfigured);
        };
        let model = request
            .model
            .clone()
            .unwrap_or_else(|| endpoint.model.clone());
        let target = format!("chat.completions {model}");
        if request.model.is_some() && model != endpoint.model && !grant.models.contains(&model) {
            let reason = format!("model `{model}` is not granted (add it to grants.llm.models)");
            self.events.denied("llm", target, reason.clone());
            return Err(LlmError::Denied(reason));
        }
        // The prompt is paid for too: counted (estimated) before anything is sent, so a guest
        // cannot buy a megabyte-long prompt with a budget meant for a tweet.
        let remaining = grant.max_tokens_per_run.saturating_sub(self.used.total());
        let prompt = prompt_estimate(&request);
        if prompt >= remaining {
            let reason = format!(
                "a prompt of ~{prompt} tokens does not fit: {} of {} tokens used",
                self.used.total(),
                grant.max_tokens_per_run
            );
            self.events.denied("llm", target, reason.clone());
            return Err(LlmError::BudgetExceeded(reason));
        }
        let allowance = remaining - prompt;
        let body = ChatRequest {
            model: &model,
            messages: request
                .messages
                .iter()
                .map(|m| ChatMessage {
                    role: match m.role {
                        Role::System => "system",
                        Role::User => "user",
                        Role::Assistant => "assistant",
                    },
                    content: &m.content,
                })
                .collect(),
            max_tokens: request.max_tokens.map_or(allowance, |t| t.min(allowance)),
            temperature: request.temperature,
            response_format: request
                .json
                .then(|| serde_json::json!({ "type": "json_object" })),
        };
        let url = format!(
            "{}/chat/completions",
            endpoint.base_url.trim_end_matches('/')
        );
        let mut builder = self
            .service
            .client
            .post(&url)
            .timeout(endpoint.timeout)
            .header("x-title", "Daily X Agent")
            .json(&body);
        if let Some(key) = &endpoint.api_key {
            builder = builder.bearer_auth(key.expose());
        }
        let result = send(builder).await;
        match result {
            Ok(answer) => {
                let text = answer
                    .choices
                    .into_iter()
                    .next()
                    .and_then(|c| c.message.content)
                    .unwrap_or_default();
                // An answer without `usage` is counted by estimate, never as free.
                let usage = answer.usage.as_ref();
                let reported = (
                    usage.and_then(|u| u.prompt_tokens),
                    usage.and_then(|u| u.completion_tokens),
                );
                let count = TokenCount {
                    prompt: reported.0.unwrap_or(prompt),
                    completion: reported.1.unwrap_or_else(|| estimate_tokens(&text)),
                };
                self.used.add(count);
                let model = answer.model.unwrap_or(model);
                let how = match reported {
                    (Some(_), Some(_)) => "",
                    _ => " (estimated: the answer did not count them)",
                };
                self.events.allowed(
                    "llm",
                    target,
                    format!(
                        "{model}: {} prompt + {} completion tokens{how}",
                        count.prompt, count.completion
                    ),
                );
                Ok(Completion {
                    text,
                    model,
                    prompt_tokens: count.prompt,
                    completion_tokens: count.completion,
                })
            }
            Err(e) => {
                let detail = match &e {
                    LlmError::Upstream(m) => m.clone(),
                    LlmError::Timeout => "timed out".into(),
                    other => format!("{other:?}"),
                };
                self.events
                    .allowed("llm", target, format!("failed: {detail}"));
                Err(e)
            }
        }
    }
}

/// Tokens `text` is taken to cost when nobody counted: one per three bytes of UTF-8, rounded up.
/// English runs about four characters a token, so this errs high; in CJK and Thai scripts a
/// character is three bytes and about one token. An estimate on the safe side, not a tokenizer.
pub fn estimate_tokens(text: &str) -> u32 {
    u32::try_from(text.len().div_ceil(3)).unwrap_or(u32::MAX)
}

/// The estimated cost of a request's prompt: its messages, plus the few tokens of framing each
/// message costs in the chat format.
fn prompt_estimate(request: &CompletionRequest) -> u32 {
    request.messages.iter().fold(0u32, |sum, m| {
        sum.saturating_add(estimate_tokens(&m.content))
            .saturating_add(4)
    })
}

async fn send(builder: reqwest::RequestBuilder) -> Result<ChatResponse, LlmError> {
    let response = builder.send().await.map_err(|e| {
        if e.is_timeout() {
            LlmError::Timeout
        } else {
            LlmError::Upstream(format!(
                "cannot reach the LLM endpoint: {}",
                without_url(&e)
            ))
        }
    })?;
    let status = response.status();
    let bytes = read_capped(response).await?;
    if !status.is_success() {
        let excerpt: String = String::from_utf8_lossy(&bytes).chars().take(300).collect();
        return Err(LlmError::Upstream(format!(
            "status {}: {excerpt}",
            status.as_u16()
        )));
    }
    serde_json::from_slice(&bytes)
        .map_err(|e| LlmError::Upstream(format!("unreadable completion: {e}")))
}

async fn read_capped(mut response: reqwest::Response) -> Result<Vec<u8>, LlmError> {
    let mut body = Vec::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
                    return Err(LlmError::Upstream("completion response too large".into()));
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok(body),
            Err(e) if e.is_timeout() => return Err(LlmError::Timeout),
            Err(e) => return Err(LlmError::Upstream(without_url(&e))),
        }
    }
}

/// reqwest's message without the URL (which may carry a key in a query string).
fn without_url(e: &reqwest::Error) -> String {
    let mut s = String::new();
    let mut source = std::error::Error::source(e);
    while let Some(inner) = source {
        if !s.is_empty() {
            s.push_str(": ");
        }
        s.push_str(&inner.to_string());
        source = inner.source();
    }
    if s.is_empty() {
        "request failed".into()
    } else {
        s
    }
}
