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
    /// Create or upgrade the database schema (every command that needs the database does this
    /// too; this one does only that).
    Migrate,
    /// Run the pipeline once, now, in this process: collect, curate, write, review, check,
    /// and print the draft for review.
    Run {
        /// Print the outcome as JSON on stdout (progress still goes to stderr).
        #[arg(long)]
        json: bool,
    },
    /// Inspect and resume runs.
    #[command(subcommand)]
    Runs(RunsCommand),
    /// The event log.
    #[command(subcommand)]
    Events(EventsCommand),
    /// Work through queued runs and runs abandoned by dead workers, until stopped.
    Worker {
        /// Exit when no run is waiting instead of polling for more.
        #[arg(long)]
        once: bool,
        /// Seconds between polls when idle.
        #[arg(long, default_value_t = 5)]
        poll_secs: u64,
    },
    /// Serve the review API, the action links and the background jobs (worker, publisher,
    /// scheduler). On first start it creates the admin and queues a first run.
    Serve {
        /// host:port to listen on (default: `bind` in the config, 127.0.0.1:8080).
        #[arg(long)]
        bind: Option<String>,
    },
    /// Manage console users.
    #[command(subcommand)]
    Users(UsersCommand),
}

/// `dailyx users ...`
#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// Add a user. The password is $DAILYX_NEW_PASSWORD, or read from stdin with
    /// --password-stdin, or generated and printed once.
    Add {
        /// User name.
        name: String,
        /// `admin` or `reviewer`.
        #[arg(long, default_value = "reviewer")]
        role: String,
        /// Read the password from one line of stdin.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Set a user's password (and role); unlocks the account and ends its sessions.
    Passwd {
        /// User name.
        name: String,
        /// New role.
        #[arg(long)]
        role: Option<String>,
        /// Read the password from one line of stdin.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Give a user another role; ends its sessions (they log in again with the new role).
    Role {
        /// User name.
        name: String,
        /// `admin` or `reviewer`.
        role: String,
    },
    /// List users.
    List,
}

/// `dailyx runs ...`
#[derive(Debug, Subcommand)]
pub enum RunsCommand {
    /// List recent runs.
    List {
        /// How many.
        #[arg(long, default_value_t = 20)]
        limit: i64,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Show one run: its steps, their components, timings and summaries.
    Show {
        /// The run id.
        id: String,
        /// Print JSON (with every step's input and output).
        #[arg(long)]
        json: bool,
    },
    /// Queue a run for a worker (`dailyx worker`) and print its id.
    Queue,
    /// Resume a run that was interrupted or failed, at its first unfinished step.
    Resume {
        /// The run id.
        id: String,
        /// Print the outcome as JSON.
        #[arg(long)]
        json: bool,
    },
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
    /// Create an ed25519 signing key (PKCS#8 PEM, mode 0600) and its `.pub` beside it.
    Keygen {
        /// Where the private key goes (never overwritten).
        #[arg(long, default_value = "keys/signing.key")]
        out: PathBuf,
    },
    /// Every version of a component ever activated: who, when, how (newest first).
    History {
        /// The component.
        name: String,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Restore a recorded version exactly (bytes, signature, manifest entry) into the plugins
    /// directory; a running host's watcher activates it. Audited.
    Rollback {
        /// The component.
        name: String,
        /// A recorded version or digest (default: the newest version other than the current).
        #[arg(long)]
        to: Option<String>,
    },
    /// Create a component crate from a template: a minimal working component for `world`,
    /// the host's WIT contract, the guest SDK, and the manifest entry to install it with.
    New {
        /// The world it implements (collector, curator, style, thread-planner, writer, critic,
        /// policy, notifier, persona, provider).
        world: String,
        /// The component's name (a-z, 0-9, '-').
        name: String,
        /// The language: rust (every world), python or javascript (writer, critic, policy,
        /// provider).
        #[arg(long, default_value = "rust")]
        lang: String,
        /// Where to create it (default: ./<name>).
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// Build a component project (one made by `plugins new`) with its language's standard tool
    /// (cargo, componentize-py, jco), writing `<name>.wasm` and `<name>.wasm.sha256` into it.
    Build {
        /// The project folder.
        #[arg(default_value = ".")]
        dir: PathBuf,
    },
    /// Confirm a new version that asks for more grants or limits than the one recorded as
    /// serving; it activates (if it passes the eval gate) and the confirmation is kept. A running
    /// `dailyx serve` takes confirmations from its console or API.
    Confirm {
        /// The component.
        name: String,
        /// The digest of the version waiting (default: whichever version waits).
        #[arg(long)]
        digest: Option<String>,
    },
    /// Run the golden set of a component's world against the version serving, as the eval gate
    /// does before activating a new Writer or Critic; print the report.
    Eval {
        /// The component.
        name: String,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Push an installed component (its file, signature and signed manifest entry) to an OCI
    /// registry as one artifact in the Wasm OCI format. Credentials: DAILYX_REGISTRY_TOKEN, or
    /// DAILYX_REGISTRY_USER and DAILYX_REGISTRY_PASSWORD; none for an open registry.
    Push {
        /// The component (as in the manifest).
        name: String,
        /// Where: oci://<registry>/<repository>:<tag>.
        target: String,
    },
    /// Install a component from an OCI registry: pulls it, verifies its digests and its
    /// signature against the trusted keys, and writes it into the plugins directory (nothing is
    /// written if any check fails). A running host loads it with every check a local file gets.
    Install {
        /// oci://<registry>/<repository>:<tag>, or …@sha256:<digest> to pin the manifest.
        source: String,
    },
    /// Sign components: writes `<name>.sig` over each file's digest and its manifest entry
    /// (grants and limits included). Re-sign after changing an entry.
    Sign {
        /// The private key.
        #[arg(long, default_value = crate::config::LOCAL_BUILD_KEY)]
        key: PathBuf,
        /// Components to sign (default: every component in the manifest).
        components: Vec<String>,
    },
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

/// `dailyx events ...`
#[derive(Debug, Subcommand)]
pub enum EventsCommand {
    /// Write the event log as JSON lines (one event per line, oldest first) to standard output
    /// or a file.
    Export {
        /// Only events after this id.
        #[arg(long, default_value_t = 0)]
        after: i64,
        /// Write here instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
    },
}
