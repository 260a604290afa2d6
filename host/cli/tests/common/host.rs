//! The host under test: a data directory with a config, `dailyx serve` started as a process on
//! it, and an API client with its session and CSRF token. Shared by the server's and the
//! console API's tests.

use super::{project, root};
use dailyx_store::Store;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const ADMIN_PASSWORD: &str = "admin-password-for-tests-7d1f";
pub const REVIEWER_PASSWORD: &str = "reviewer-password-for-tests-93b2";
pub const X_SECRET: &str = "x-consumer-secret-never-logged";
pub const X_TOKEN_SECRET: &str = "x-token-secret-never-logged";
pub const SENDGRID_KEY: &str = "SG.sendgrid-key-never-logged";
pub const TWILIO_TOKEN: &str = "twilio-token-never-logged";

/// A data directory with a config; servers started on it share its database (SQLite in the
/// data directory unless a Postgres URL is given).
pub struct Host {
    pub dir: tempfile::TempDir,
    pub database_url: Option<String>,
}

/// A running `dailyx serve`.
pub struct Running {
    pub child: Child,
    pub base: String,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Host {
    /// `live_x`: the X API base to publish to for real (dry-run when `None`).
    pub fn new(live_x: Option<&str>, extra: &str) -> Host {
        Host::with_database(live_x, extra, None, "")
    }

    /// A host on the database `url` (another host may share it).
    pub fn on_postgres(url: &str) -> Host {
        Host::with_database(None, "", Some(url.to_owned()), "")
    }

    /// `publish`: more lines for the `[publish]` section.
    pub fn with_database(
        live_x: Option<&str>,
        extra: &str,
        database_url: Option<String>,
        publish: &str,
    ) -> Host {
        let dir = tempfile::tempdir().unwrap();
        let repo = project(dir.path());
        let (dry_run, x_base) = match live_x {
            Some(base) => (false, base.to_owned()),
            None => (true, "http://127.0.0.1:9".to_owned()),
        };
        // Publishing for real goes through the `x` component: a private copy of the plugins
        // whose `x` grant names the fake X instead of api.x.com.
        let plugins = match live_x {
            Some(base) => {
                let plugins = dir.path().join("plugins");
                super::copy_shipped_plugins(&plugins);
                let manifest = plugins.join("registry.toml");
                let text = std::fs::read_to_string(&manifest).unwrap();
                let origin = base.trim_end_matches('/');
                std::fs::write(
                    &manifest,
                    text.replace(
                        "origin = \"https://api.x.com\"",
                        &format!("origin = {origin:?}"),
                    ),
                )
                .unwrap();
                plugins
            }
            None => root().join("plugins-registry"),
        };
        let database = database_url
            .as_ref()
            .map(|url| format!("database_url = {url:?}\n"))
            .unwrap_or_default();
        let config = format!(
            "data_dir = {data:?}\nplugins_dir = {plugins:?}\n{database}\
             [repositories]\nproject = {repo:?}\n\
             [runtime]\ncache_dir = {cache:?}\ncache_key_file = {cache_key:?}\n\
             [pipeline]\nlease_secs = 2\nretry_delay_ms = 10\ntimezone = \"UTC\"\n\
             public_url = \"http://review.example\"\ndry_run = {dry_run}\n\
             [server]\nworker_poll_secs = 1\npublish_poll_secs = 1\ntick_secs = 1\nschedule_catch_up_hours = 48\n\
             node_heartbeat_secs = 1\nnode_dead_after_secs = 3\nmetrics_interval_secs = 0\n\
             [publish]\nx_api_base = {x_base:?}\nlease_secs = 1\nretry_delay_ms = 50\ntimeout_secs = 1\n\
             max_rate_limit_wait_secs = 10\n{publish}\n\
             [notify]\nretry_delay_ms = 20\n\
             [signing]\ntrusted_key_files = [{key:?}]\n{extra}",
            data = dir.path().join("data"),
            key = root().join("keys/local-build.pub"),
            plugins = plugins,
            cache = root().join("target").join("dailyx-test-cache"),
            // The tests share one cache, so they share its key too.
            cache_key = root().join("target").join("dailyx-test-cache.key"),
        );
        std::fs::write(dir.path().join("dailyx.toml"), config).unwrap();
        let host = Host { dir, database_url };
        if live_x.is_some() {
            // The `x` component's grant now names the fake X (a wider grant needs a new
            // signature: the build's key signs it, as an operator would with theirs).
            host.sign("x");
        }
        host
    }

    /// Signs `component`'s manifest entry (after a test changed it) with the build's key, as an
    /// operator would with theirs.
    pub fn sign(&self, component: &str) {
        let out = self
            .command(&["plugins", "sign", "--key"])
            .arg(root().join("keys/local-build.key"))
            .arg(component)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    pub fn database_url(&self) -> String {
        self.database_url.clone().unwrap_or_else(|| {
            format!(
                "sqlite://{}",
                self.dir.path().join("data").join("dailyx.db").display()
            )
        })
    }

    pub async fn store(&self) -> Store {
        std::fs::create_dir_all(self.dir.path().join("data")).unwrap();
        Store::open(&self.database_url()).await.unwrap()
    }

    pub fn log_path(&self) -> PathBuf {
        self.dir.path().join("server.log")
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_dailyx"));
        cmd.current_dir(self.dir.path())
            .args(args)
            .env_remove("DAILYX_CONFIG")
            .env_remove("DATABASE_URL")
            .env_remove("DAILYX_CRASH_AT")
            .env("DAILYX_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .env("DAILYX_X_CONSUMER_KEY", "consumer-key")
            .env("DAILYX_X_CONSUMER_SECRET", X_SECRET)
            .env("DAILYX_X_ACCESS_TOKEN", "access-token")
            .env("DAILYX_X_ACCESS_TOKEN_SECRET", X_TOKEN_SECRET)
            .env("DAILYX_SENDGRID_API_KEY", SENDGRID_KEY)
            .env("DAILYX_TWILIO_AUTH_TOKEN", TWILIO_TOKEN)
            .env(
                "DAILYX_LOG",
                "debug,sqlx=warn,hyper=warn,wasmtime=warn,cranelift=warn",
            )
            .env("DAILYX_LOG_FORMAT", "json");
        cmd
    }

    /// Starts `dailyx serve` (with `env`) and waits for it to listen.
    pub fn start(&self, env: &[(&str, &str)]) -> Running {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log_path())
            .unwrap();
        let mut cmd = self.command(&["serve", "--bind", "127.0.0.1:0"]);
        cmd.envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(log);
        let mut child = cmd.spawn().expect("start dailyx serve");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let out_path = self.dir.path().join("stdout.log");
        std::thread::spawn(move || {
            let mut out = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(out_path)
                .unwrap();
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                use std::io::Write;
                let _ = writeln!(out, "{line}");
                if let Some(rest) = line.strip_prefix("dailyx serving on http://") {
                    let addr = rest
                        .split_whitespace()
                        .next()
                        .unwrap_or_default()
                        .to_owned();
                    let _ = tx.send(addr);
                }
            }
        });
        let addr = rx
            .recv_timeout(Duration::from_secs(120))
            .unwrap_or_else(|_| {
                panic!(
                    "server did not start:\n{}",
                    std::fs::read_to_string(self.log_path()).unwrap_or_default()
                )
            });
        Running {
            child,
            base: format!("http://{addr}"),
        }
    }

    /// Adds the reviewer `rev` with the CLI (a server may be running) and logs in as them.
    pub async fn add_reviewer(&self, base: &str) -> Api {
        let out = self
            .command(&["users", "add", "rev", "--role", "reviewer"])
            .env("DAILYX_NEW_PASSWORD", REVIEWER_PASSWORD)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        Api::login(base, "rev", REVIEWER_PASSWORD).await
    }

    pub fn logs(&self) -> String {
        std::fs::read_to_string(self.log_path()).unwrap_or_default()
    }
}

/// An API client with its session.
pub struct Api {
    pub http: reqwest::Client,
    pub base: String,
    pub cookie: Option<String>,
    pub csrf: Option<String>,
}

pub fn cookie_value(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| {
            c.split(';')
                .next()?
                .strip_prefix(&format!("{name}="))
                .map(str::to_owned)
        })
}

impl Api {
    pub fn anonymous(base: &str) -> Api {
        dailyx_runtime::install_crypto_provider();
        Api {
            http: reqwest::Client::new(),
            base: base.to_owned(),
            cookie: None,
            csrf: None,
        }
    }

    /// Logs in through the CSRF flow; panics unless it works.
    pub async fn login(base: &str, user: &str, password: &str) -> Api {
        let mut api = Api::anonymous(base);
        let (status, body) = api.try_login(user, password).await;
        assert_eq!(status, 200, "login failed: {body}");
        api
    }

    pub async fn try_login(&mut self, user: &str, password: &str) -> (u16, Value) {
        let r = self
            .http
            .get(format!("{}/api/auth/csrf", self.base))
            .send()
            .await
            .unwrap();
        let pre = cookie_value(&r, "dailyx_csrf").expect("login CSRF cookie");
        let token = r.json::<Value>().await.unwrap()["csrf_token"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_eq!(pre, token);
        let r = self
            .http
            .post(format!("{}/api/auth/login", self.base))
            .header("cookie", format!("dailyx_csrf={pre}"))
            .header("x-csrf-token", token)
            .json(&json!({ "username": user, "password": password }))
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let session = cookie_value(&r, "dailyx_session");
        let body: Value = r.json().await.unwrap_or(Value::Null);
        if status == 200 {
            self.cookie = session;
            self.csrf = body["csrf_token"].as_str().map(str::to_owned);
        }
        (status, body)
    }

    /// A request; `csrf`: send the session's CSRF token.
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        body: Option<&str>,
        csrf: bool,
    ) -> (u16, Value) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(c) = &self.cookie {
            req = req.header("cookie", format!("dailyx_session={c}"));
        }
        if csrf && let Some(t) = &self.csrf {
            req = req.header("x-csrf-token", t);
        }
        if let Some(b) = body {
            req = req
                .header("content-type", "application/json")
                .body(b.to_owned());
        }
        let r = req.send().await.unwrap();
        let status = r.status().as_u16();
        let text = r.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        self.send("GET", path, None, false).await
    }

    /// `GET /api/drafts` revalidating `etag`: the page's ETag, and the page unless 304.
    pub async fn list_revalidated(&self, etag: Option<&str>) -> (String, Option<Value>) {
        let mut req = self.http.get(format!("{}/api/drafts", self.base));
        if let Some(c) = &self.cookie {
            req = req.header("cookie", format!("dailyx_session={c}"));
        }
        if let Some(tag) = etag {
            req = req.header("if-none-match", tag);
        }
        let r = req.send().await.unwrap();
        let tag = r.headers()["etag"].to_str().unwrap().to_owned();
        assert_eq!(r.headers()["cache-control"], "private, no-cache");
        match r.status().as_u16() {
            304 => {
                assert!(r.bytes().await.unwrap().is_empty());
                (tag, None)
            }
            200 => (tag, Some(r.json().await.unwrap())),
            other => panic!("GET /api/drafts: {other}"),
        }
    }

    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.send("POST", path, Some(&body.to_string()), true).await
    }

    pub async fn put(&self, path: &str, body: Value) -> (u16, Value) {
        self.send("PUT", path, Some(&body.to_string()), true).await
    }

    /// Waits until `check` returns something.
    pub async fn wait_for<T>(
        &self,
        what: &str,
        mut check: impl AsyncFnMut(&Api) -> Option<T>,
    ) -> T {
        let started = Instant::now();
        loop {
            if let Some(v) = check(self).await {
                return v;
            }
            assert!(
                started.elapsed() < Duration::from_secs(120),
                "timed out waiting for {what}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// The first draft (made by the first-start run).
    /// Approves `draft` (as read, with its content hash).
    pub async fn approve(&self, draft: &Value) {
        let id = draft["id"].as_str().unwrap();
        let (status, body) = self
            .post(
                &format!("/api/drafts/{id}/approve"),
                json!({ "content_hash": draft["content_hash"] }),
            )
            .await;
        assert_eq!(status, 200, "{body}");
    }

    pub async fn first_draft(&self) -> Value {
        let id = self
            .wait_for("a draft", async |api| {
                let (_, page) = api.get("/api/drafts").await;
                page["drafts"]
                    .as_array()
                    .and_then(|d| d.last())
                    .and_then(|d| d["id"].as_str())
                    .map(str::to_owned)
            })
            .await;
        self.draft(&id).await["draft"].clone()
    }

    /// The first draft, and its detail once all three channels reported.
    pub async fn first_draft_delivered(&self) -> (Value, Value) {
        let draft = self.first_draft().await;
        let id = draft["id"].as_str().unwrap().to_owned();
        let detail = self
            .wait_for("three deliveries", async |api| {
                let d = api.draft(&id).await;
                (d["deliveries"].as_array().unwrap().len() == 3).then_some(d)
            })
            .await;
        (draft, detail)
    }

    pub async fn draft(&self, id: &str) -> Value {
        let (status, detail) = self.get(&format!("/api/drafts/{id}")).await;
        assert_eq!(status, 200, "{detail}");
        detail
    }

    pub async fn wait_status(&self, id: &str, wanted: &[&str]) -> Value {
        self.wait_for(&format!("draft {id} to reach {wanted:?}"), async |api| {
            let d = api.draft(id).await;
            wanted
                .contains(&d["draft"]["status"].as_str().unwrap_or_default())
                .then_some(d)
        })
        .await
    }
}

pub fn error_code(body: &Value) -> &str {
    body["error"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("not the error shape: {body}"))
}

pub fn texts(draft: &Value) -> Vec<String> {
    draft["tweets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["text"].as_str().unwrap().to_owned())
        .collect()
}

pub fn assert_no_secrets(host: &Host, extra: &[&str]) {
    let logs = host.logs();
    assert!(
        logs.contains("\"request_id\"") && logs.contains("server started"),
        "JSON request and server logs expected"
    );
    for secret in [
        ADMIN_PASSWORD,
        REVIEWER_PASSWORD,
        X_SECRET,
        X_TOKEN_SECRET,
        SENDGRID_KEY,
        TWILIO_TOKEN,
    ]
    .iter()
    .chain(extra)
    {
        assert!(
            !logs.contains(secret),
            "a log line contains the secret {secret}"
        );
    }
}
