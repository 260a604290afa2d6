//! {{name}}: a Curator. Picks the newest materials first, up to five.

use dailyx::agent::types::{CuratedItem, DroppedItem};

wit_bindgen::generate!({ path: "wit", world: "curator", generate_all });
use exports::dailyx::agent::curator_api::*;

struct Component;

impl Guest for Component {
    fn curate(_ctx: RunContext, mut materials: Vec<Material>) -> Result<Selection, AgentError> {
        materials.sort_by_key(|m| std::cmp::Reverse(m.timestamp_ms));
        let (picked, dropped) = materials.split_at(materials.len().min(5));
        Ok(Selection {
            picked: picked.iter().enumerate().map(|(i, m)| CuratedItem {
                material_id: m.id.clone(),
                score: 1.0 / (i as f64 + 1.0),
                reasons: vec!["among the newest".into()],
            }).collect(),
            dropped: dropped.iter().map(|m| DroppedItem {
                material_id: m.id.clone(),
                reason: "older than the five newest".into(),
            }).collect(),
            rationale: "Newest first.".into(),
        })
    }
}

export!(Component);
