//! Guest SDK for `dailyx:agent` components.
//!
//! - [`bindings`]: the host interfaces (`http`, `llm`, `repo`, `log`,
//!   `config`, `clock`), with the shared data types mapped onto
//!   [`dailyx_model`] so agent logic and components use one set of types.
//! - [`generate!`]: bindings for one stage world in an agent crate.
//! - [`init`]: installs a panic hook that forwards the panic message to the
//!   host's log before the guest traps (with `panic = "abort"` on
//!   wasm32-unknown-unknown the message is otherwise lost).
//! - JSON helpers for config values and HTTP bodies.
//!
//! A minimal component:
//! ```ignore
//! dailyx_sdk::generate!("writer", "../../wit/0.2");
//! struct Component;
//! impl Guest for Component {
//!     fn write(ctx: RunContext, plan: ThreadPlan, materials: Vec<Material>, style: StyleGuide)
//!         -> Result<Draft, AgentError> {
//!         dailyx_sdk::init();
//!         my_writer::write(&ctx, &plan, &materials, &style)
//!     }
//! }
//! export!(Component);
//! ```

pub mod bindings {
    //! Generated bindings for the host interfaces.
    #![allow(missing_docs)]
    wit_bindgen::generate!({
        path: "../../wit/0.2",
        world: "host",
        with: { "dailyx:agent/types@0.2.0": dailyx_model::dailyx::agent::types },
        generate_all,
    });
}

mod helpers;
pub mod llm_client;
pub mod provider;

pub use bindings::dailyx::agent::{clock, config, http, llm, log, repo};
pub use dailyx_model as model;
/// X's text rules (weighted length, fitting text under the limit), as the host counts them.
pub use dailyx_xtext as xtext;
pub use helpers::*;
/// JSON, for components that build request bodies.
pub use serde_json;
#[doc(hidden)]
pub use wit_bindgen;

/// Generates the bindings of one stage world inside an agent crate.
///
/// `world` is the world name (`"collector"`, `"writer"`, ...), `path` the
/// path from the crate's manifest to the repository's `wit/` folder. The
/// shared interfaces are mapped onto this SDK, so the generated `Guest`
/// trait uses [`dailyx_model`] types and only the export is new code.
#[macro_export]
macro_rules! generate {
    ($world:tt, $path:tt) => {
        $crate::wit_bindgen::generate!({
            path: $path,
            world: $world,
            runtime_path: "dailyx_sdk::wit_bindgen::rt",
            with: {
                "dailyx:agent/types@0.2.0": dailyx_sdk::model::dailyx::agent::types,
                "dailyx:agent/http@0.2.0": dailyx_sdk::http,
                "dailyx:agent/llm@0.2.0": dailyx_sdk::llm,
                "dailyx:agent/repo@0.2.0": dailyx_sdk::repo,
                "dailyx:agent/log@0.2.0": dailyx_sdk::log,
                "dailyx:agent/config@0.2.0": dailyx_sdk::config,
                "dailyx:agent/clock@0.2.0": dailyx_sdk::clock,
            },
            // wasi:http (and what it uses) for components that want it; a component that never
            // calls it does not import it.
            generate_all,
        });
    };
}
