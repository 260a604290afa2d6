//! Writing audit entries from handlers. A failed audit write is logged loudly but does not
//! undo the action it records (the action already happened).
//!
//! What happens to a draft (`draft.approve`, `draft.edit`, `draft.skip`, `draft.expire`, ...) is
//! also an event of the same kind in the event log, about the draft, with the entry's detail
//! (which never holds a secret) and the acting user's id.

use crate::state::AppState;
use dailyx_store::NewAuditEntry;

/// Records `entry`.
pub async fn audit(state: &AppState, entry: NewAuditEntry) {
    if entry.action.starts_with("draft.")
        && let Some(draft_id) = &entry.draft_id
    {
        state.events.emit(
            &entry.action,
            draft_id,
            serde_json::json!({ "user_id": entry.user_id, "detail": entry.detail }),
        );
    }
    if let Err(e) = state.store.audit(&entry).await {
        tracing::error!(action = %entry.action, error = %e, "cannot write the audit log");
    }
}
