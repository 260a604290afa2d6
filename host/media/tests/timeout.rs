//! A run past its timeout is killed and reaped. Alone in its test binary (its own process), so
//! that no other test's child process can be mistaken for a leftover.

use dailyx_media::{MediaError, Voice, speak};
use std::time::Duration;

/// Processes (zombies included) whose parent is this test process.
fn children() -> Vec<String> {
    let me = std::process::id().to_string();
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").expect("read /proc").flatten() {
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // pid (comm) state ppid …; comm may contain spaces and parentheses.
        let Some(close) = stat.rfind(')') else {
            continue;
        };
        let mut rest = stat[close + 1..].split_whitespace();
        let (state, ppid) = (rest.next(), rest.next());
        if ppid == Some(me.as_str()) {
            found.push(format!("{} [{}]", &stat[..=close], state.unwrap_or("?")));
        }
    }
    found
}

#[tokio::test]
async fn tiny_timeout_kills_espeak_and_leaves_nothing() {
    // The scan does see a child of this process while it runs.
    let mut sleeper = std::process::Command::new("sleep")
        .arg("30")
        .spawn()
        .expect("spawn sleep");
    assert!(
        children().iter().any(|c| c.contains("(sleep)")),
        "{:?}",
        children()
    );
    sleeper.kill().expect("kill sleep");
    sleeper.wait().expect("reap sleep");
    assert_eq!(children(), Vec::<String>::new());

    let dir = tempfile::tempdir().expect("a temporary directory");
    let out = dir.path().join("slow.wav");
    let text =
        "This sentence takes espeak-ng far longer than one millisecond to speak. ".repeat(50);
    let result = speak(&text, Voice::English, &out, Duration::from_millis(1)).await;
    match result {
        Err(MediaError::Timeout { tool, timeout }) => {
            assert_eq!(tool, "espeak-ng");
            assert_eq!(timeout, Duration::from_millis(1));
        }
        other => panic!("expected a timeout, got {other:?}"),
    }
    assert_eq!(children(), Vec::<String>::new());
    assert!(!out.exists());
    assert_eq!(std::fs::read_dir(dir.path()).expect("list").count(), 0);
}
