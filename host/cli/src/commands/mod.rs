//! The commands.

mod agent;
mod pipeline;
mod plugin_build;
mod plugin_new;
mod plugin_oci;
mod plugins;
mod serve;
pub mod users;

use crate::cli::{AgentCommand, Command, EventsCommand, PluginsCommand, RunsCommand, UsersCommand};
use crate::config::Config;
use anyhow::Result;
use std::process::ExitCode;

/// Runs `command`; the exit code says whether it succeeded.
pub async fn run(command: Command, config: Config) -> Result<ExitCode> {
    match command {
        Command::Plugins(PluginsCommand::List { json }) => plugins::list(&config, json).await,
        Command::Plugins(PluginsCommand::Check) => plugins::check(&config).await,
        Command::Plugins(PluginsCommand::Keygen { out }) => plugins::keygen(&out),
        Command::Plugins(PluginsCommand::New {
            world,
            name,
            lang,
            dir,
        }) => plugin_new::new(&world, &name, &lang, dir),
        Command::Plugins(PluginsCommand::Build { dir }) => plugin_build::build(&dir),
        Command::Plugins(PluginsCommand::Confirm { name, digest }) => {
            plugins::confirm(&config, &name, digest.as_deref()).await
        }
        Command::Plugins(PluginsCommand::Eval { name, json }) => {
            plugins::eval(&config, &name, json).await
        }
        Command::Plugins(PluginsCommand::History { name, json }) => {
            plugins::history(&config, &name, json).await
        }
        Command::Plugins(PluginsCommand::Rollback { name, to }) => {
            plugins::rollback(&config, &name, to.as_deref()).await
        }
        Command::Plugins(PluginsCommand::Push { name, target }) => {
            plugin_oci::push(&config, &name, &target).await
        }
        Command::Plugins(PluginsCommand::Install { source }) => {
            plugin_oci::install(&config, &source).await
        }
        Command::Plugins(PluginsCommand::Sign { key, components }) => {
            plugins::sign(&config, &key, &components)
        }
        Command::Agent(AgentCommand::Call { name, input, json }) => {
            agent::call(&config, &name, input.as_deref(), json).await
        }
        Command::Migrate => pipeline::migrate(&config).await,
        Command::Run { json } => pipeline::run(&config, json).await,
        Command::Runs(RunsCommand::List { limit, json }) => {
            pipeline::list(&config, limit, json).await
        }
        Command::Runs(RunsCommand::Queue) => pipeline::queue(&config).await,
        Command::Events(EventsCommand::Export { after, out }) => {
            pipeline::export_events(&config, after, out.as_deref()).await
        }
        Command::Runs(RunsCommand::Show { id, json }) => pipeline::show(&config, &id, json).await,
        Command::Runs(RunsCommand::Resume { id, json }) => {
            pipeline::resume(&config, &id, json).await
        }
        Command::Worker { once, poll_secs } => pipeline::worker(&config, once, poll_secs).await,
        Command::Serve { bind } => serve::serve(&config, bind).await,
        Command::Users(UsersCommand::Add {
            name,
            role,
            password_stdin,
        }) => users::add(&config, &name, &role, password_stdin).await,
        Command::Users(UsersCommand::Passwd {
            name,
            role,
            password_stdin,
        }) => users::passwd(&config, &name, role.as_deref(), password_stdin).await,
        Command::Users(UsersCommand::Role { name, role }) => {
            users::role(&config, &name, &role).await
        }
        Command::Users(UsersCommand::List) => users::list(&config).await,
    }
}
