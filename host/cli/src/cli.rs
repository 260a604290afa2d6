//! Command-line arguments.

use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// Daily X Agent: drafts daily posts from your developer material with
/// sandboxed Wasm agents; a human approves every post.
#[derive(Debug, Parser)]
#[command(name = "dailyx", version)]
pub struct Cli {
    /// Config file (default: $DAILYX_CONFIG, else ./dailyx.toml if present).
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

/// Top-level commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Inspect and validate the plugin registry.
    #[command(subcommand)]
    Plugins(PluginsCommand),
    /// Run agent components directly.
    #[command(subcommand)]
    Agent(AgentCommand),
}

/// `dailyx plugins ...`
#[derive(Debug, Subcommand)]
pub enum PluginsCommand {
    /// List components: name, version, world, digest, grants, limits.
    List {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Load and validate every component; exit non-zero on any problem.
    Check,
}

/// `dailyx agent ...`
#[derive(Debug, Subcommand)]
pub enum AgentCommand {
    /// Run one component once; print its output and every capability call.
    Call {
        /// Component name (as in the manifest).
        name: String,
        /// JSON file with the export's parameters (`ctx` may be omitted);
        /// `-` reads standard input. Personas need no input.
        #[arg(long)]
        input: Option<PathBuf>,
        /// Print the whole call record as JSON.
        #[arg(long)]
        json: bool,
    },
}
