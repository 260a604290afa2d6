//! What can go wrong talking to the database.

use crate::draft_state::IllegalTransition;

/// A storage error. Messages never contain a database password.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database URL cannot be used.
    #[error("bad database URL {0}: {1}")]
    BadUrl(String, String),
    /// The database cannot be reached.
    #[error("cannot connect to {0}: {1}")]
    Connect(String, String),
    /// A query failed.
    #[error("database error: {0}")]
    Sqlx(#[from] sqlx::Error),
    /// A migration failed or the applied ones do not match the binary's.
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A row that must exist does not.
    #[error("{kind} `{id}` does not exist")]
    NotFound {
        /// What was looked for (`run`, `draft`, ...).
        kind: &'static str,
        /// Its id.
        id: String,
    },
    /// This process no longer holds the run's lease (it expired and another process took the
    /// run), so it must stop working on it.
    #[error("lease on run `{run_id}` lost: another worker holds it now")]
    LeaseLost {
        /// The run.
        run_id: String,
    },
    /// The draft state machine refused the change.
    #[error(transparent)]
    IllegalTransition(#[from] IllegalTransition),
    /// A reviewer tried to change the text of a draft that is past review.
    #[error(
        "draft `{id}` is {status}; only pending drafts and drafts needing attention can be edited"
    )]
    NotEditable {
        /// The draft.
        id: String,
        /// Its status.
        status: crate::DraftStatus,
    },
    /// The row changed since it was read (another writer got there first).
    #[error("{kind} `{id}` was changed by someone else; reload and try again")]
    Conflict {
        /// What changed (`draft`, ...).
        kind: &'static str,
        /// Its id.
        id: String,
    },
    /// A stored JSON value does not have the expected shape.
    #[error("stored {what} is malformed: {detail}")]
    Corrupt {
        /// Which value.
        what: &'static str,
        /// What is wrong.
        detail: String,
    },
}

impl StoreError {
    /// Whether a unique constraint refused the write (SQLite 2067/1555, Postgres 23505).
    pub fn is_unique_violation(&self) -> bool {
        match self {
            StoreError::Sqlx(sqlx::Error::Database(db)) => {
                matches!(db.code().as_deref(), Some("2067" | "1555" | "23505"))
            }
            _ => false,
        }
    }

    /// Whether retrying the same operation later may succeed (connection trouble, a busy
    /// database, a serialization failure) as opposed to a bug or a refused change.
    pub fn is_transient(&self) -> bool {
        match self {
            StoreError::Connect(..) => true,
            StoreError::Sqlx(e) => match e {
                sqlx::Error::Io(_)
                | sqlx::Error::PoolTimedOut
                | sqlx::Error::PoolClosed
                | sqlx::Error::WorkerCrashed => true,
                sqlx::Error::Database(db) => {
                    // SQLite: 5 SQLITE_BUSY, 6 SQLITE_LOCKED; Postgres: 40001 serialization
                    // failure, 40P01 deadlock, 57P01 admin shutdown.
                    matches!(
                        db.code().as_deref(),
                        Some("5" | "6" | "40001" | "40P01" | "57P01")
                    )
                }
                _ => false,
            },
            _ => false,
        }
    }
}
