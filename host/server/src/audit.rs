//! Writing audit entries from handlers. A failed audit write is logged loudly but does not
//! undo the action it records (the action already happened).

use crate::state::AppState;
use dailyx_store::NewAuditEntry;

/// Records `entry`.
pub async fn audit(state: &AppState, entry: NewAuditEntry) {
    if let Err(e) = state.store.audit(&entry).await {
        tracing::error!(action = %entry.action, error = %e, "cannot write the audit log");
    }
}
