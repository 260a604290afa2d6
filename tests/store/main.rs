//! The repository layer against real SQLite and real Postgres: every test runs on both.

mod drafts;
mod runs;
mod schema;
mod tokens;
