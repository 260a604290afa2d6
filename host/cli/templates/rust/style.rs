//! {{name}}: a Style stage. The persona's voice, as a style guide.

wit_bindgen::generate!({ path: "wit", world: "style", generate_all });
use exports::dailyx::agent::style_api::*;

struct Component;

impl Guest for Component {
    fn style(_ctx: RunContext, persona: Persona, approved_posts: Vec<String>)
        -> Result<StyleGuide, AgentError> {
        Ok(StyleGuide {
            persona_id: persona.id,
            tone: persona.voice,
            language: persona.languages.first().cloned().unwrap_or_else(|| "en".into()),
            max_hashtags: 1,
            hashtags: persona.hashtags,
            emoji: persona.uses_emoji,
            target_length: 240,
            preferred_phrases: vec![],
            banned_phrases: persona.avoid,
            rules: persona.rules,
            examples: persona.examples.into_iter().chain(approved_posts).take(5).collect(),
        })
    }
}

export!(Component);
