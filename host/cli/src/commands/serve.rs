//! `dailyx serve`: the API, the action pages and the background jobs in one process.

use crate::config::Config;
use anyhow::{Context, Result, bail};
use dailyx_notify::Notifier;
use dailyx_pipeline::Pipeline;
use dailyx_publish::{
    OAuth1Credentials, OAuth2Credentials, OAuth2Tokens, Publisher, Secret, XAuth,
};
use dailyx_runtime::Runtime;
use dailyx_server::{Parts, password};
use dailyx_store::{Role, Store, redact_url};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

/// The X credentials from the environment: OAuth 1.0a user context if its four variables are
/// set, else OAuth 2.0 user tokens, else none.
fn x_auth(config: &Config) -> Result<Option<XAuth>> {
    let get = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    if let (Some(ck), Some(cs), Some(at), Some(ats)) = (
        get("DAILYX_X_CONSUMER_KEY"),
        get("DAILYX_X_CONSUMER_SECRET"),
        get("DAILYX_X_ACCESS_TOKEN"),
        get("DAILYX_X_ACCESS_TOKEN_SECRET"),
    ) {
        return Ok(Some(XAuth::OAuth1(OAuth1Credentials {
            consumer_key: ck,
            consumer_secret: Secret::new(cs),
            access_token: at,
            access_token_secret: Secret::new(ats),
        })));
    }
    if let (Some(client_id), Some(access)) = (
        get("DAILYX_X_CLIENT_ID"),
        get("DAILYX_X_OAUTH2_ACCESS_TOKEN"),
    ) {
        let token_url = url::Url::parse(&config.publish.x_token_url)
            .context("[publish] x_token_url is not a URL")?;
        return Ok(Some(XAuth::oauth2(OAuth2Credentials {
            client_id,
            client_secret: get("DAILYX_X_CLIENT_SECRET").map(Secret::new),
            token_url,
            tokens: OAuth2Tokens {
                access_token: Secret::new(access),
                refresh_token: get("DAILYX_X_OAUTH2_REFRESH_TOKEN").map(Secret::new),
                expires_at: None,
            },
            token_file: Some(config.data_dir.join("x-oauth2-tokens.json")),
        })));
    }
    Ok(None)
}

/// Creates the first admin when there is no user: name `admin`, password from
/// `DAILYX_ADMIN_PASSWORD` or generated and printed once (on stdout, never in a log).
/// Creates the first admin on an empty user table. Returns `false` when another host starting
/// on the same database at the same moment created it first (not an error).
async fn first_admin(store: &Store) -> Result<bool> {
    if store.user_count().await? > 0 {
        return Ok(true);
    }
    let (password, generated) = match std::env::var("DAILYX_ADMIN_PASSWORD")
        .ok()
        .filter(|p| !p.is_empty())
    {
        Some(p) => (p, false),
        None => (crate::commands::users::generate_password(), true),
    };
    password::check_strength(&password)
        .map_err(|e| anyhow::anyhow!("DAILYX_ADMIN_PASSWORD: {e}"))?;
    let hash =
        password::hash(&password).map_err(|e| anyhow::anyhow!("cannot hash the password: {e}"))?;
    match store.create_user("admin", &hash, Role::Admin).await {
        Ok(_) => {}
        Err(dailyx_store::StoreError::Conflict { .. }) => {
            println!("the first admin was created by another host starting on the same database");
            return Ok(false);
        }
        Err(e) => return Err(e.into()),
    }
    if generated {
        println!(
            "created the first admin: user `admin`, password `{password}` (shown once; change it with `dailyx users passwd admin`)"
        );
    } else {
        println!("created the first admin: user `admin`, password from DAILYX_ADMIN_PASSWORD");
    }
    Ok(true)
}

pub async fn serve(config: &Config, bind: Option<String>) -> Result<ExitCode> {
    dailyx_runtime::install_crypto_provider();
    let url = config.database_url()?;
    let store = Store::open(&url)
        .await
        .with_context(|| format!("cannot open the database {}", redact_url(&url)))?;
    let addr: SocketAddr = bind
        .as_deref()
        .unwrap_or(&config.bind)
        .parse()
        .with_context(|| {
            format!(
                "bind address `{}` is not host:port",
                bind.as_deref().unwrap_or(&config.bind)
            )
        })?;
    let mut runtime_config = config.runtime_config()?;
    // Every newly activated version goes into the history (bytes kept by digest, who, when),
    // with every eval gate report; a new version is reviewed against the last recorded one.
    // The event log: runs, steps, component activations and evaluations, ... (this host's writer).
    let events = dailyx_server::event_log::EventLog::start(
        store.clone(),
        config.pipeline_settings().worker_id.clone(),
    );
    let _history =
        dailyx_server::plugin_history::attach(&store, &mut runtime_config, Some(events.clone()))
            .await?;
    let llm_from_file = runtime_config.llm.clone();
    // Credentials set in the console are sealed under this key (DAILYX_MASTER_KEY, or a key
    // file created 0600 in the data directory on first start).
    let vault = Arc::new(
        dailyx_common::Vault::open(&config.data_dir.join("master.key"))
            .context("cannot open the credentials vault")?,
    );
    // Provider credentials (set in the console, sealed in the vault) are attached by the host
    // to the requests each provider component's grant allows; applied with the settings.
    let provider_credentials = dailyx_dispatch::ProviderCredentials::new();
    runtime_config.credentials = Arc::new(dailyx_runtime::secret::CredentialChain(vec![
        runtime_config.credentials.clone(),
        provider_credentials.clone(),
    ]));
    let providers_from_file = config.providers()?;
    // X is published through the `x` provider component (one path for every network): it reads
    // the API base and the per-call timeout from its config; X's credential from the
    // environment (or the console) is attached by the host.
    provider_credentials.set_x_auth(x_auth(config)?.map(Arc::new));
    let x_config = runtime_config.plugin_config.entry("x".into()).or_default();
    x_config
        .entry("api_base".into())
        .or_insert_with(|| config.publish.x_api_base.trim_end_matches('/').to_owned());
    x_config
        .entry("timeout_ms".into())
        .or_insert_with(|| (config.publish.timeout_secs.max(1) * 1000).to_string());
    let runtime = Runtime::start(runtime_config).await?;
    // Hot swap: a new component, digest, signature or manifest in the plugins directory is
    // checked and activated while the server runs (kept alive until the server stops).
    let _plugin_watcher = match runtime.watch() {
        Ok(w) => Some(w),
        Err(e) => {
            tracing::warn!(error = %e, "cannot watch the plugins directory; use POST /api/plugins/reload after changes");
            None
        }
    };
    for (name, problem) in &runtime.registry().problems {
        eprintln!(
            "warning: component `{name}` is not loaded: {}",
            problem.message
        );
    }
    let pipeline = Pipeline::new(runtime.clone(), store.clone(), config.pipeline_settings())
        .with_progress(events.progress_sink());
    pipeline.record_loaded_components().await?;
    let node_id = pipeline.settings().worker_id.clone();

    let publish_settings = config.publish_settings();
    let x: Arc<dyn dailyx_publish::XApi> = Arc::new(dailyx_dispatch::ComponentX::new(
        runtime.clone(),
        "x",
        provider_credentials.clone(),
    ));
    if !publish_settings.dry_run && !provider_credentials.has_x() {
        bail!(
            "dry_run is off but no X credentials are set: set DAILYX_X_CONSUMER_KEY, DAILYX_X_CONSUMER_SECRET, \
             DAILYX_X_ACCESS_TOKEN and DAILYX_X_ACCESS_TOKEN_SECRET (OAuth 1.0a) or DAILYX_X_CLIENT_ID and \
             DAILYX_X_OAUTH2_ACCESS_TOKEN (OAuth 2.0), or keep dry_run on"
        );
    }
    let dry_run = publish_settings.dry_run;
    // Each change of X's circuit (open after repeated failures, half-open probe, closed) is an
    // event.
    let circuit_events = events.clone();
    let breaker = dailyx_publish::circuit::CircuitBreaker::new(
        "x",
        config.breaker_settings(),
        Arc::new(dailyx_publish::circuit::SystemClock),
    )
    .on_transition(move |t| {
        circuit_events.emit(
            &format!("circuit.{}", t.to.as_str()),
            &t.provider,
            serde_json::json!({ "from": t.from.as_str(), "failures": t.failures }),
        )
    });
    let publisher = Publisher::new(store.clone(), Some(x), publish_settings, node_id.clone())
        .with_breaker(Arc::new(breaker));
    let publisher = Arc::new(publisher);
    // Provider components: deliveries after X, each exactly once per provider; what they do
    // and their circuits' changes are events.
    let dispatch_events = events.clone();
    let dispatch_circuits = events.clone();
    let dry_run_of = publisher.clone();
    let dispatcher = dailyx_dispatch::Dispatcher::new(
        store.clone(),
        runtime.clone(),
        provider_credentials.clone(),
        config.dispatch_settings(),
        node_id.clone(),
    )
    .with_dry_run(move || dry_run_of.dry_run())
    .on_event(move |e| {
        dispatch_events.emit(
            e.kind,
            &e.draft_id,
            serde_json::json!({ "provider": e.provider, "position": e.position, "detail": e.detail }),
        )
    })
    .on_transition(move |t| {
        dispatch_circuits.emit(
            &format!("circuit.{}", t.to.as_str()),
            &t.provider,
            serde_json::json!({ "from": t.from.as_str(), "failures": t.failures }),
        )
    });
    dispatcher.set_providers(providers_from_file.clone());
    // Quote cards (and speech and video) for the drafts, attached to provider posts.
    let media = config
        .media_settings()
        .map(|m| Arc::new(dailyx_server::media::DraftMedia::new(store.clone(), m)));
    let dispatcher = match &media {
        Some(m) => dispatcher.with_media(m.clone()),
        None => dispatcher,
    };
    let notifier = Notifier::new(
        store.clone(),
        config.channel_secrets()?,
        config.notify_settings(),
    );

    // The host that lost the race for the first admin leaves the first run to the winner.
    let won_first_admin = first_admin(&store).await?;
    let first_start = won_first_admin && store.runs(1, 0).await?.is_empty();
    let pipeline = Arc::new(pipeline);
    let state = dailyx_server::state(
        Parts {
            store: store.clone(),
            runtime,
            pipeline: pipeline.clone(),
            publisher,
            notifier: Arc::new(notifier),
            node_id,
            vault,
            llm_from_file,
            events,
            dispatcher: Arc::new(dispatcher),
            provider_credentials,
            providers_from_file,
            media,
        },
        config.server_settings(),
    )?;
    let (listener, local) = dailyx_server::bind(addr).await?;
    if first_start && config.server.run_worker {
        let run = pipeline.enqueue("first-start").await?;
        println!(
            "first start: queued a run over the repository's history ({})",
            run.id
        );
        tokio::spawn(report_first_run(
            store.clone(),
            run.id,
            config.pipeline.public_url.clone(),
        ));
    }
    println!(
        "dailyx serving on http://{local} ({}, {}); public URL {}",
        redact_url(&url),
        if dry_run {
            "dry-run: nothing is posted"
        } else {
            "LIVE: approved drafts are posted to X"
        },
        config.pipeline.public_url
    );
    tracing::info!(%local, dry_run, "server started");
    dailyx_server::serve(state, listener, shutdown_signal()).await?;
    eprintln!("server stopped");
    Ok(ExitCode::SUCCESS)
}

/// Prints how the first run ended, so a newcomer sees the draft is ready.
async fn report_first_run(store: Store, run_id: String, public_url: String) {
    loop {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let Ok(run) = store.run(&run_id).await else {
            return;
        };
        match (run.status.as_str(), &run.draft_id) {
            ("succeeded", Some(draft)) => {
                println!(
                    "first run finished: draft {draft} waits for review at {public_url}/drafts/{draft}"
                );
                return;
            }
            ("succeeded", None) => {
                println!("first run finished: nothing to post about");
                return;
            }
            ("failed", _) => {
                println!("first run failed: {}", run.last_error.unwrap_or_default());
                return;
            }
            _ => {}
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}
