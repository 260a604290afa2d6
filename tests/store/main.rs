//! The repository layer against real SQLite and real Postgres: every test runs on both.

mod auth;
mod components;
mod drafts;
mod event_log;
mod providers;
mod publishing;
mod review;
mod runs;
mod schema;
mod settings;
mod tokens;
