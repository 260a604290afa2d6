//! {{name}}: a persona. Describe the voice; the Style stage turns it into a style guide.

wit_bindgen::generate!({ path: "wit", world: "persona", generate_all });
use exports::dailyx::agent::persona_api::*;

struct Component;

impl Guest for Component {
    fn profile() -> Persona {
        Persona {
            id: "{{name}}".into(),
            name: "{{name}}".into(),
            audience: "developers who use the project".into(),
            voice: "plain, concrete, no hype".into(),
            languages: vec!["en".into()],
            rules: vec!["Say what changed for the reader first.".into()],
            avoid: vec!["game changer".into()],
            hashtags: vec![],
            uses_emoji: false,
            examples: vec![],
        }
    }
}

export!(Component);
