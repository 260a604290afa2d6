//! `dailyx users ...`: console accounts.

use crate::config::Config;
use anyhow::{Context, Result, anyhow};
use dailyx_server::password;
use dailyx_store::{Role, Store, redact_url};
use rand::Rng;
use std::io::{BufRead, Write};
use std::process::ExitCode;

/// A random 20-character password (letters and digits).
pub fn generate_password() -> String {
    const CHARS: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..20)
        .map(|_| CHARS[rng.random_range(0..CHARS.len())] as char)
        .collect()
}

/// The password: `DAILYX_NEW_PASSWORD`, else one line of stdin with `--password-stdin`, else
/// generated (and printed once).
fn read_password(from_stdin: bool) -> Result<(String, bool)> {
    if let Some(p) = std::env::var("DAILYX_NEW_PASSWORD")
        .ok()
        .filter(|p| !p.is_empty())
    {
        return Ok((p, false));
    }
    if from_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("cannot read the password from stdin")?;
        return Ok((line.trim_end_matches(['\r', '\n']).to_owned(), false));
    }
    Ok((generate_password(), true))
}

async fn open(config: &Config) -> Result<Store> {
    let url = config.database_url()?;
    Store::open(&url)
        .await
        .with_context(|| format!("cannot open the database {}", redact_url(&url)))
}

fn parse_role(role: &str) -> Result<Role> {
    Role::parse(role).ok_or_else(|| anyhow!("role must be `admin` or `reviewer`, not `{role}`"))
}

fn hash(password: &str) -> Result<String> {
    password::check_strength(password).map_err(|e| anyhow!(e))?;
    password::hash(password).map_err(|e| anyhow!("cannot hash the password: {e}"))
}

pub async fn add(
    config: &Config,
    name: &str,
    role: &str,
    password_stdin: bool,
) -> Result<ExitCode> {
    let role = parse_role(role)?;
    if name.is_empty()
        || name.len() > 64
        || name.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(anyhow!("a user name has 1–64 characters and no spaces"));
    }
    let (password, generated) = read_password(password_stdin)?;
    let store = open(config).await?;
    store.create_user(name, &hash(&password)?, role).await?;
    let mut out = std::io::stdout().lock();
    if generated {
        writeln!(
            out,
            "added {} `{name}` with password `{password}` (shown once)",
            role.as_str()
        )?;
    } else {
        writeln!(out, "added {} `{name}`", role.as_str())?;
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn passwd(
    config: &Config,
    name: &str,
    role: Option<&str>,
    password_stdin: bool,
) -> Result<ExitCode> {
    let store = open(config).await?;
    let user = store
        .user_by_name(name)
        .await?
        .ok_or_else(|| anyhow!("no user `{name}`"))?;
    let role = match role {
        Some(r) => parse_role(r)?,
        None => user.role(),
    };
    let (password, generated) = read_password(password_stdin)?;
    store.update_user(name, &hash(&password)?, role).await?;
    if generated {
        println!("new password for `{name}`: `{password}` (shown once)");
    } else {
        println!("password of `{name}` changed");
    }
    println!("the sessions of `{name}` have ended");
    Ok(ExitCode::SUCCESS)
}

pub async fn role(config: &Config, name: &str, role: &str) -> Result<ExitCode> {
    let role = parse_role(role)?;
    let store = open(config).await?;
    if store.set_user_role(name, role).await? {
        println!("`{name}` is now {}; its sessions have ended", role.as_str());
    } else {
        println!("`{name}` is already {}", role.as_str());
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn list(config: &Config) -> Result<ExitCode> {
    let store = open(config).await?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{:<24} {:<9} {:<8} LOCKED", "USER", "ROLE", "FAILED")?;
    for u in store.users().await? {
        let locked = u
            .locked_until
            .filter(|&t| t > dailyx_store::now_ms())
            .map_or("", |_| "yes");
        writeln!(
            out,
            "{:<24} {:<9} {:<8} {locked}",
            u.username, u.role, u.failed_logins
        )?;
    }
    Ok(ExitCode::SUCCESS)
}
