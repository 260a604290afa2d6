//! The component runtime against real components: each module is one
//! concern, tested through the public `Runtime` API with real servers on
//! loopback where a capability talks to the network.

mod eval;
mod handwritten;
mod hostile;
mod http;
mod llm;
mod loading;
mod polyglot;
mod reload;
mod repo;
mod signing;
mod upgrade;
mod wasi;

pub mod peak;

#[global_allocator]
static ALLOCATOR: peak::Counting = peak::Counting;

use dailyx_runtime::types::Draft;
use dailyx_runtime::{CallRecord, StageOutput};

/// The draft a writer returned, or a panic naming what came back instead.
pub fn expect_draft(record: &CallRecord) -> &Draft {
    match &record.result {
        Ok(StageOutput::Draft(d)) => d,
        other => panic!(
            "expected a draft, got {other:?}; guest log: {:?}",
            record.logs
        ),
    }
}
