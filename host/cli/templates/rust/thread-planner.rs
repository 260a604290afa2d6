//! {{name}}: a ThreadPlanner. A single post about the best-scored material.

use dailyx::agent::types::{Beat, BeatKind, PostFormat};

wit_bindgen::generate!({ path: "wit", world: "thread-planner", generate_all });
use exports::dailyx::agent::thread_planner_api::*;

struct Component;

impl Guest for Component {
    fn plan(_ctx: RunContext, selection: Selection, materials: Vec<Material>, _style: StyleGuide)
        -> Result<ThreadPlan, AgentError> {
        let best = selection.picked.first()
            .and_then(|p| materials.iter().find(|m| m.id == p.material_id))
            .ok_or_else(|| AgentError::InvalidInput("nothing was picked".into()))?;
        Ok(ThreadPlan {
            format: PostFormat::Single,
            beats: vec![Beat { kind: BeatKind::Point, summary: best.title.clone(), material_ids: vec![best.id.clone()] }],
            max_tweets: 1,
            max_weighted_length: 280,
        })
    }
}

export!(Component);
