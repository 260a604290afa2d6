//! Shared by the integration tests: where artifacts go and the sample texts.

#![allow(dead_code)]

use std::path::PathBuf;

/// The Thai post the tests render, speak and mux.
pub const THAI_POST: &str = "วันนี้เราปล่อยเวอร์ชันใหม่ของ Daily X Agent พร้อมการรองรับภาษาไทยเต็มรูปแบบ";

/// An English post.
pub const ENGLISH_POST: &str =
    "Today we shipped a new version of Daily X Agent with full Thai language support.";

/// `$CARGO_TARGET_DIR/media-artifacts`, else the workspace's `target/media-artifacts`: kept
/// after the run so that a person can look at what the tests made.
pub fn artifact_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../target")));
    let dir = target.join("media-artifacts");
    std::fs::create_dir_all(&dir).expect("create the artifact directory");
    dir.canonicalize().unwrap_or(dir)
}
