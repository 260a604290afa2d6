//! Conversions between the 0.1.0 capability types and the newest ones.
//!
//! What a guest sends (requests, queries, levels) converts up to the newest type; what the host
//! answers (responses, errors) converts down. The records are the same field for field, so each
//! conversion is total: nothing is lost or invented in either direction.

use crate::host::dailyx::agent as new;
use crate::v0_1::dailyx::agent as old;

/// Maps each variant of a field-less enum (or of a variant with one payload each) one to one.
macro_rules! same_cases {
    ($from:ty => $to:ty { $($case:ident),* $(,)? }) => {
        impl From<$from> for $to {
            fn from(value: $from) -> $to {
                type F = $from;
                type T = $to;
                match value { $(F::$case => T::$case,)* }
            }
        }
    };
    ($from:ty => $to:ty { $($case:ident($payload:ident)),* ; $($unit:ident),* $(,)? }) => {
        impl From<$from> for $to {
            fn from(value: $from) -> $to {
                type F = $from;
                type T = $to;
                match value {
                    $(F::$case($payload) => T::$case($payload),)*
                    $(F::$unit => T::$unit,)*
                }
            }
        }
    };
}

same_cases!(old::http::Method => new::http::Method { Get, Head, Post, Put, Patch, Delete });
same_cases!(new::http::HttpError => old::http::HttpError {
    Denied(m), InvalidRequest(m), TooLarge(m), Transport(m); Timeout
});
same_cases!(old::llm::Role => new::llm::Role { System, User, Assistant });
same_cases!(new::llm::LlmError => old::llm::LlmError {
    Denied(m), BudgetExceeded(m), Upstream(m); NotConfigured, Timeout
});
same_cases!(new::repo::RepoError => old::repo::RepoError {
    Denied(m), NotFound(m), InvalidPath(m), TooLarge(m), Internal(m);
});
same_cases!(old::log::Level => new::log::Level { Trace, Debug, Info, Warn, Error });
same_cases!(new::config::ConfigError => old::config::ConfigError { Denied(m); });

impl From<old::http::Request> for new::http::Request {
    fn from(r: old::http::Request) -> Self {
        new::http::Request {
            method: r.method.into(),
            url: r.url,
            headers: r.headers,
            body: r.body,
            timeout_ms: r.timeout_ms,
        }
    }
}

impl From<new::http::Response> for old::http::Response {
    fn from(r: new::http::Response) -> Self {
        old::http::Response {
            status: r.status,
            headers: r.headers,
            body: r.body,
        }
    }
}

impl From<old::llm::CompletionRequest> for new::llm::CompletionRequest {
    fn from(r: old::llm::CompletionRequest) -> Self {
        new::llm::CompletionRequest {
            messages: r
                .messages
                .into_iter()
                .map(|m| new::llm::Message {
                    role: m.role.into(),
                    content: m.content,
                })
                .collect(),
            model: r.model,
            max_tokens: r.max_tokens,
            temperature: r.temperature,
            json: r.json,
        }
    }
}

impl From<new::llm::Completion> for old::llm::Completion {
    fn from(c: new::llm::Completion) -> Self {
        old::llm::Completion {
            text: c.text,
            model: c.model,
            prompt_tokens: c.prompt_tokens,
            completion_tokens: c.completion_tokens,
        }
    }
}

impl From<old::repo::LogQuery> for new::repo::LogQuery {
    fn from(q: old::repo::LogQuery) -> Self {
        new::repo::LogQuery {
            repository: q.repository,
            since_ms: q.since_ms,
            max_count: q.max_count,
        }
    }
}

impl From<new::repo::Commit> for old::repo::Commit {
    fn from(c: new::repo::Commit) -> Self {
        old::repo::Commit {
            id: c.id,
            summary: c.summary,
            message: c.message,
            author: c.author,
            timestamp_ms: c.timestamp_ms,
            parent_count: c.parent_count,
            files: c
                .files
                .into_iter()
                .map(|f| old::repo::FileChange {
                    path: f.path,
                    insertions: f.insertions,
                    deletions: f.deletions,
                })
                .collect(),
        }
    }
}
