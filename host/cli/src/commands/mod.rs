//! The commands.

mod agent;
mod pipeline;
mod plugins;

use crate::cli::{AgentCommand, Command, PluginsCommand, RunsCommand};
use crate::config::Config;
use anyhow::Result;
use std::process::ExitCode;

/// Runs `command`; the exit code says whether it succeeded.
pub async fn run(command: Command, config: Config) -> Result<ExitCode> {
    match command {
        Command::Plugins(PluginsCommand::List { json }) => plugins::list(&config, json).await,
        Command::Plugins(PluginsCommand::Check) => plugins::check(&config).await,
        Command::Agent(AgentCommand::Call { name, input, json }) => {
            agent::call(&config, &name, input.as_deref(), json).await
        }
        Command::Migrate => pipeline::migrate(&config).await,
        Command::Run { json } => pipeline::run(&config, json).await,
        Command::Runs(RunsCommand::List { limit, json }) => {
            pipeline::list(&config, limit, json).await
        }
        Command::Runs(RunsCommand::Queue) => pipeline::queue(&config).await,
        Command::Runs(RunsCommand::Show { id, json }) => pipeline::show(&config, &id, json).await,
        Command::Runs(RunsCommand::Resume { id, json }) => {
            pipeline::resume(&config, &id, json).await
        }
        Command::Worker { once, poll_secs } => pipeline::worker(&config, once, poll_secs).await,
    }
}
