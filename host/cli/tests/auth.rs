//! Logins and sessions through the real binary, as an attacker would try them: a lockout that
//! one wrong try per lockout period would keep up forever, answers that tell which user names
//! exist, sessions that outlive a password or role change, a spoofed `X-Forwarded-For`, and a
//! client that trickles its headers to hold a connection.

mod common;

use common::host::*;
use dailyx_store::{Store, now_ms};
use reqwest::header::HeaderMap;
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const WRONG: &str = "a wrong password, long enough";

/// Adds `lines` to the `[server]` section of the host's config (before the server starts).
fn server_settings(host: &Host, lines: &str) {
    let path = host.dir.path().join("dailyx.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("[server]\n"));
    std::fs::write(
        &path,
        text.replacen("[server]\n", &format!("[server]\n{lines}\n"), 1),
    )
    .unwrap();
}

async fn locked(store: &Store, name: &str) -> bool {
    let user = store.user_by_name(name).await.unwrap().unwrap();
    user.locked_until.is_some_and(|t| t > now_ms())
}

/// The lock runs out: the test moves it into the past instead of waiting for it.
async fn expire_lock(store: &Store, name: &str) {
    store
        .execute_admin(&format!(
            "UPDATE auth_users SET locked_until = {} WHERE username = '{name}' \
             AND locked_until IS NOT NULL",
            now_ms() - 1000
        ))
        .await
        .unwrap();
}

/// What a login answered, and how long the server took.
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
    took: Duration,
}

/// One login through the CSRF flow, with `extra` request headers; the answer's headers without
/// those that differ on every response.
async fn login_raw(base: &str, user: &str, password: &str, extra: &[(&str, &str)]) -> Answer {
    dailyx_runtime::install_crypto_provider();
    let http = reqwest::Client::new();
    let r = http
        .get(format!("{base}/api/auth/csrf"))
        .send()
        .await
        .unwrap();
    let token = cookie_value(&r, "dailyx_csrf").expect("login CSRF cookie");
    let mut req = http
        .post(format!("{base}/api/auth/login"))
        .header("cookie", format!("dailyx_csrf={token}"))
        .header("x-csrf-token", &token)
        .json(&json!({ "username": user, "password": password }));
    for (name, value) in extra {
        req = req.header(*name, *value);
    }
    let started = Instant::now();
    let r = req.send().await.unwrap();
    let took = started.elapsed();
    let status = r.status().as_u16();
    let headers = stable_headers(r.headers());
    let body = r.text().await.unwrap();
    Answer {
        status,
        headers,
        body,
        took,
    }
}

fn stable_headers(headers: &HeaderMap) -> Vec<(String, String)> {
    let mut kept: Vec<(String, String)> = headers
        .iter()
        .filter(|(name, _)| !matches!(name.as_str(), "date" | "x-request-id"))
        .map(|(name, value)| {
            (
                name.as_str().to_owned(),
                value.to_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    kept.sort();
    kept
}

fn run_cli(host: &Host, args: &[&str], new_password: Option<&str>) {
    let mut cmd = host.command(args);
    if let Some(p) = new_password {
        cmd.env("DAILYX_NEW_PASSWORD", p);
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "dailyx {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_try_after_each_lockout_does_not_keep_the_account_locked() {
    let host = Host::new(None, "");
    server_settings(&host, "login_attempts_per_minute = 1000");
    let server = host.start(&[]);
    host.add_reviewer(&server.base).await;
    let store = host.store().await;
    let mut attacker = Api::anonymous(&server.base);
    for i in 0..5 {
        let (status, body) = attacker.try_login("rev", WRONG).await;
        assert_eq!(status, 401, "failure {i}: {body}");
    }
    assert!(locked(&store, "rev").await, "five failures in a row lock");

    // The attacker tries once each time the lock has run out: a single failure is one of a
    // new window, not the sixth, seventh... of the old one.
    for round in 0..3 {
        expire_lock(&store, "rev").await;
        let (status, _) = attacker.try_login("rev", WRONG).await;
        assert_eq!(status, 401);
        assert!(
            !locked(&store, "rev").await,
            "round {round}: one wrong try after the lock ran out locked the account again"
        );
    }
    // The owner gets in with the right password.
    let (status, body) = Api::anonymous(&server.base)
        .try_login("rev", REVIEWER_PASSWORD)
        .await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_locked_and_wrong_password_logins_get_the_same_answer() {
    let host = Host::new(None, "");
    server_settings(&host, "login_attempts_per_minute = 1000");
    let server = host.start(&[]);
    host.add_reviewer(&server.base).await;
    let store = host.store().await;
    for _ in 0..5 {
        login_raw(&server.base, "rev", WRONG, &[]).await;
    }
    assert!(locked(&store, "rev").await);

    // An unknown name, a locked account with its right and with a wrong password, and an
    // existing unlocked account with a wrong password (three tries: it stays unlocked).
    let cases: [(&str, &str, &str); 4] = [
        ("wrong password", "admin", WRONG),
        ("unknown name", "nobody-by-this-name", WRONG),
        ("locked, right password", "rev", REVIEWER_PASSWORD),
        ("locked, wrong password", "rev", WRONG),
    ];
    let mut answers = Vec::new();
    for (what, user, password) in cases {
        let mut fastest = Duration::MAX;
        let mut first = None;
        for _ in 0..3 {
            let a = login_raw(&server.base, user, password, &[]).await;
            fastest = fastest.min(a.took);
            first.get_or_insert(a);
        }
        answers.push((what, first.unwrap(), fastest));
    }
    let (_, reference, reference_time) = &answers[0];
    assert_eq!(reference.status, 401, "{}", reference.body);
    for (what, answer, fastest) in &answers[1..] {
        assert_eq!(
            (answer.status, &answer.body),
            (reference.status, &reference.body),
            "{what}"
        );
        assert_eq!(answer.headers, reference.headers, "{what}: headers differ");
        // Comparable work: the password hash runs for every name. The fastest of three tries
        // each, with a factor of three of slack: an answer that skipped the hash (as a lock
        // did) comes back many times faster than one that ran it.
        assert!(
            *fastest * 3 >= *reference_time,
            "{what}: answered in {fastest:?}, a wrong password in {reference_time:?}"
        );
    }
    assert!(
        !locked(&store, "admin").await,
        "three failures do not lock admin"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn changing_a_password_or_a_role_ends_the_users_other_sessions() {
    const NEW1: &str = "first new password of rev 51c2";
    const NEW2: &str = "second new password of rev 8e07";
    let host = Host::new(None, "");
    server_settings(&host, "login_attempts_per_minute = 1000");
    let server = host.start(&[]);
    let a = host.add_reviewer(&server.base).await;
    let b = Api::login(&server.base, "rev", REVIEWER_PASSWORD).await;
    assert_eq!(b.get("/api/auth/me").await.0, 200);

    // An admin sets a new password with the CLI: no session made the change, so both end.
    run_cli(&host, &["users", "passwd", "rev"], Some(NEW1));
    for (name, api) in [("a", &a), ("b", &b)] {
        let (status, body) = api.get("/api/auth/me").await;
        assert_eq!(
            status, 401,
            "session {name} outlived the password change: {body}"
        );
    }

    // A role change ends them too (the role is also read on every request, but a session
    // opened as a reviewer is not carried into admin or the other way round).
    let c = Api::login(&server.base, "rev", NEW1).await;
    let d = Api::login(&server.base, "rev", NEW1).await;
    run_cli(&host, &["users", "role", "rev", "admin"], None);
    for (name, api) in [("c", &c), ("d", &d)] {
        let (status, body) = api.get("/api/auth/me").await;
        assert_eq!(
            status, 401,
            "session {name} outlived the role change: {body}"
        );
    }
    let e = Api::login(&server.base, "rev", NEW1).await;
    let (_, me) = e.get("/api/auth/me").await;
    assert_eq!(me["role"], "admin");

    // A change through the API: the session that made it stays, the user's others end.
    let f = Api::login(&server.base, "rev", NEW1).await;
    let (status, body) = e
        .post(
            "/api/auth/password",
            json!({ "current_password": WRONG, "new_password": NEW2 }),
        )
        .await;
    assert_eq!(
        (status, error_code(&body)),
        (403, "wrong_password"),
        "{body}"
    );
    let (status, body) = e
        .post(
            "/api/auth/password",
            json!({ "current_password": NEW1, "new_password": "short" }),
        )
        .await;
    assert_eq!((status, error_code(&body)), (422, "invalid_request"));
    // Without the CSRF token nothing changes.
    let (status, _) = e
        .send(
            "POST",
            "/api/auth/password",
            Some(&json!({ "current_password": NEW1, "new_password": NEW2 }).to_string()),
            false,
        )
        .await;
    assert_eq!(status, 403);
    assert_eq!(f.get("/api/auth/me").await.0, 200, "refusals end nothing");
    let (status, body) = e
        .post(
            "/api/auth/password",
            json!({ "current_password": NEW1, "new_password": NEW2 }),
        )
        .await;
    assert_eq!(status, 204, "{body}");
    assert_eq!(
        e.get("/api/auth/me").await.0,
        200,
        "the changing session stays"
    );
    assert_eq!(f.get("/api/auth/me").await.0, 401, "the other session ends");
    let (status, _) = Api::anonymous(&server.base).try_login("rev", NEW1).await;
    assert_eq!(status, 401);
    let g = Api::login(&server.base, "rev", NEW2).await;
    let (_, audit) = g.get("/api/audit").await;
    let actions: Vec<&str> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(actions.contains(&"user.password_changed"), "{actions:?}");
    assert_no_secrets(&host, &[NEW1, NEW2]);
}

/// The `login.failed` audit entries' addresses.
async fn failed_login_addresses(base: &str) -> Vec<String> {
    let admin = Api::login(base, "admin", ADMIN_PASSWORD).await;
    let (_, audit) = admin.get("/api/audit").await;
    audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "login.failed")
        .map(|e| e["ip"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// A name no account has (its failed logins lock nothing, and are audited all the same).
const STRANGER: &str = "nobody-by-this-name";

/// Six wrong logins, each with the `X-Forwarded-For` that `forwarded(i)` makes; their statuses.
async fn six_forwarded_logins(base: &str, forwarded: impl Fn(u32) -> String) -> Vec<u16> {
    let mut statuses = Vec::new();
    for i in 0..6 {
        let xff = forwarded(i);
        let a = login_raw(base, STRANGER, WRONG, &[("x-forwarded-for", &xff)]).await;
        statuses.push(a.status);
    }
    statuses
}

#[tokio::test(flavor = "multi_thread")]
async fn behind_one_proxy_the_client_is_the_right_most_forwarded_address() {
    let host = Host::new(None, "");
    // The test connects from loopback, like a proxy on the same machine.
    server_settings(&host, "trust_proxy = true\nlogin_attempts_per_minute = 3");
    let server = host.start(&[]);
    // The client makes up an X-Forwarded-For of its own, a new one on every try; our proxy
    // appends the address it saw (203.0.113.7).
    let statuses =
        six_forwarded_logins(&server.base, |i| format!("198.51.100.{i}, 203.0.113.7")).await;
    assert_eq!(
        statuses,
        [401, 401, 401, 429, 429, 429],
        "made-up left-most addresses dodged the per-address limit"
    );
    // Another client behind the same proxy has its own budget; a proxy that adds its own
    // header line instead of appending is read the same way.
    let other = login_raw(
        &server.base,
        STRANGER,
        WRONG,
        &[
            ("x-forwarded-for", "203.0.113.7"),
            ("x-forwarded-for", "203.0.113.8"),
        ],
    )
    .await;
    assert_eq!(other.status, 401);
    let ips = failed_login_addresses(&server.base).await;
    assert_eq!(ips.len(), 4, "{ips:?}");
    assert_eq!(
        ips.iter().filter(|ip| *ip == "203.0.113.7").count(),
        3,
        "{ips:?}"
    );
    assert!(ips.contains(&"203.0.113.8".to_owned()), "{ips:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn behind_chained_proxies_the_client_is_the_right_most_untrusted_address() {
    let host = Host::new(None, "");
    // Two proxies of ours: the edge one in 10.1.0.0/16, and behind it one on loopback (where
    // the test connects from).
    server_settings(
        &host,
        "trust_proxy = true\ntrusted_proxies = [\"127.0.0.1\", \"10.1.0.0/16\"]\nlogin_attempts_per_minute = 3",
    );
    let server = host.start(&[]);
    // The client's made-up entries, then the address our edge proxy saw (203.0.113.7), then
    // the edge proxy's own (10.1.2.3) as the loopback one saw it.
    let statuses = six_forwarded_logins(&server.base, |i| {
        format!("198.51.100.{i}, 203.0.113.7, 10.1.2.3")
    })
    .await;
    assert_eq!(statuses, [401, 401, 401, 429, 429, 429]);
    // Garbage to the right of our proxies' entries cannot be a client's address: the request
    // counts against the nearest proxy instead.
    let garbage = login_raw(
        &server.base,
        STRANGER,
        WRONG,
        &[("x-forwarded-for", "203.0.113.9, not-an-address, 10.1.2.3")],
    )
    .await;
    assert_eq!(garbage.status, 401);
    let ips = failed_login_addresses(&server.base).await;
    assert_eq!(ips.len(), 4, "{ips:?}");
    assert_eq!(
        ips.iter().filter(|ip| *ip == "203.0.113.7").count(),
        3,
        "{ips:?}"
    );
    assert!(ips.contains(&"10.1.2.3".to_owned()), "{ips:?}");
}

/// Reads from `stream` until the server closes it; returns when that happened and what it sent.
fn watch_close(
    mut read: tokio::net::tcp::OwnedReadHalf,
) -> tokio::task::JoinHandle<(Instant, Vec<u8>)> {
    tokio::spawn(async move {
        let mut got = Vec::new();
        let mut buf = [0u8; 1024];
        loop {
            match read.read(&mut buf).await {
                Ok(0) | Err(_) => return (Instant::now(), got),
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn a_client_that_trickles_its_headers_is_cut_off() {
    const TIMEOUT: Duration = Duration::from_secs(2);
    const SLACK: Duration = Duration::from_secs(3);
    dailyx_runtime::install_crypto_provider();
    let host = Host::new(None, "");
    server_settings(&host, "header_read_timeout_secs = 2");
    let server = host.start(&[]);
    let addr = server.base.trim_start_matches("http://").to_owned();

    // Headers one byte a second: finishing them would take over a minute.
    let stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let (read, mut write) = stream.into_split();
    let closed = watch_close(read);
    let started = Instant::now();
    let request = format!(
        "GET /api/health HTTP/1.1\r\nHost: {addr}\r\nX-Slow: {}\r\n\r\n",
        "a".repeat(40)
    );
    for byte in request.bytes() {
        if closed.is_finished() || started.elapsed() > Duration::from_secs(20) {
            break;
        }
        if write.write_all(&[byte]).await.is_err() {
            break;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    let (at, got) = tokio::time::timeout(SLACK, closed)
        .await
        .expect("the server still holds a connection trickling its headers")
        .unwrap();
    let held = at - started;
    assert!(
        held < TIMEOUT + SLACK,
        "the trickling connection was held {held:?}"
    );
    let answer = String::from_utf8_lossy(&got);
    assert!(!answer.contains("200 OK"), "{answer}");

    // A connection that sends nothing is closed as well.
    let stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let (read, _write) = stream.into_split();
    let started = Instant::now();
    let (at, _) = tokio::time::timeout(TIMEOUT + SLACK, watch_close(read))
        .await
        .expect("the server still holds a silent connection")
        .unwrap();
    assert!(at - started >= TIMEOUT - Duration::from_millis(200));

    // Whoever sends a whole request in time is served as before.
    let health: Value = reqwest::get(format!("{}/api/health", server.base))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["status"], "ok");
}
