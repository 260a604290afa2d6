//! The LLM as agent logic sees it: a trait, so the same logic runs against
//! the host's `llm` capability in a component ([`HostLlm`]) and against a
//! scripted answer in native tests ([`ScriptedLlm`]).

use crate::llm::{self, Completion, CompletionRequest, LlmError};
use std::cell::{Ref, RefCell};

/// Runs chat completions.
pub trait LlmClient {
    /// Runs one chat completion.
    fn complete(&self, request: &CompletionRequest) -> Result<Completion, LlmError>;
}

/// The host's `llm` capability (only callable inside a component).
pub struct HostLlm;

impl LlmClient for HostLlm {
    fn complete(&self, request: &CompletionRequest) -> Result<Completion, LlmError> {
        llm::complete(request)
    }
}

/// Gives one scripted result to every request and records the requests.
pub struct ScriptedLlm {
    result: Result<Completion, LlmError>,
    requests: RefCell<Vec<CompletionRequest>>,
}

impl ScriptedLlm {
    /// Answers `text` from model `gpt-test`, reporting the given token counts.
    pub fn answering(text: &str, prompt_tokens: u32, completion_tokens: u32) -> Self {
        ScriptedLlm::with(Ok(Completion {
            text: text.into(),
            model: "gpt-test".into(),
            prompt_tokens,
            completion_tokens,
        }))
    }

    /// Fails every request with `error`.
    pub fn failing(error: LlmError) -> Self {
        ScriptedLlm::with(Err(error))
    }

    fn with(result: Result<Completion, LlmError>) -> Self {
        ScriptedLlm {
            result,
            requests: RefCell::new(Vec::new()),
        }
    }

    /// The requests received so far.
    pub fn requests(&self) -> Ref<'_, Vec<CompletionRequest>> {
        self.requests.borrow()
    }
}

impl LlmClient for ScriptedLlm {
    fn complete(&self, request: &CompletionRequest) -> Result<Completion, LlmError> {
        self.requests.borrow_mut().push(request.clone());
        self.result.clone()
    }
}
