//! The component: exports the persona profile.

dailyx_sdk::generate!("persona", "../../../wit/0.2");
use exports::dailyx::agent::persona_api::*;

struct Component;

impl Guest for Component {
    fn profile() -> Persona {
        dailyx_sdk::init();
        crate::profile()
    }
}

export!(Component);
