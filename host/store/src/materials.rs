//! Collected materials: the ids every run collected, so nothing is collected twice.

use crate::{Store, StoreError, on_pool};
use std::collections::HashSet;

/// A material id collected by a run.
#[derive(Debug, Clone)]
pub struct CollectedMaterial {
    /// The material's stable id.
    pub material_id: String,
    /// `commit`, `release`, ...
    pub kind: String,
    /// Where it came from.
    pub source: String,
}

impl Store {
    /// Which of `ids` an earlier run (any run but `run_id`, and but the run `run_id`
    /// regenerates) already collected.
    pub async fn already_collected(
        &self,
        run_id: &str,
        ids: &[String],
    ) -> Result<HashSet<String>, StoreError> {
        let mut seen = HashSet::new();
        // Bounded batches keep every query under both backends' parameter limits.
        for chunk in ids.chunks(500) {
            let placeholders: Vec<String> =
                (0..chunk.len()).map(|i| format!("${}", i + 2)).collect();
            let sql = format!(
                "SELECT material_id FROM collected_materials WHERE run_id <> $1 AND run_id NOT IN \
                 (SELECT COALESCE(regenerates, '') FROM runs WHERE id = $1) AND material_id IN ({})",
                placeholders.join(", ")
            );
            let found: Vec<String> = on_pool!(self, pool => {
                // Audited: the only dynamic part is the list of numbered placeholders.
                let mut q = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.clone())).bind(run_id);
                for id in chunk {
                    q = q.bind(id);
                }
                q.fetch_all(pool).await?
            });
            seen.extend(found);
        }
        Ok(seen)
    }
}
