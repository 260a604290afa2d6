//! A program that is not installed is reported with the Debian package to install. Alone in
//! its test binary: it empties PATH for the whole process.

use dailyx_media::{MediaError, Voice, speak};
use std::time::Duration;

#[test]
fn missing_espeak_names_its_package() {
    let empty = tempfile::tempdir().expect("a temporary directory");
    // SAFETY: this is the only test in this binary, and no other thread exists yet (the runtime
    // is built below), so nothing reads the environment concurrently.
    unsafe { std::env::set_var("PATH", empty.path()) };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let out = empty.path().join("out.wav");
    let result = runtime.block_on(speak(
        "hello",
        Voice::English,
        &out,
        Duration::from_secs(10),
    ));
    match result {
        Err(error @ MediaError::ToolMissing { tool, package }) => {
            assert_eq!((tool, package), ("espeak-ng", "espeak-ng"));
            assert!(
                error.to_string().contains("Debian package espeak-ng"),
                "{error}"
            );
        }
        other => panic!("expected a missing tool, got {other:?}"),
    }
}
