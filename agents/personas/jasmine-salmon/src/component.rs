//! The component: exports the persona profile.

dailyx_sdk::generate!("persona", "../../../wit");

struct Component;

impl Guest for Component {
    fn profile() -> PersonaProfile {
        dailyx_sdk::init();
        crate::profile()
    }
}

export!(Component);
