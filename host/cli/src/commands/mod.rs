//! The commands.

mod agent;
mod plugins;

use crate::cli::{AgentCommand, Command, PluginsCommand};
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
    }
}
