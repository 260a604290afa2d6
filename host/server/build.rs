//! Picks the console's built files for embedding (`console/dist`, made by
//! `scripts/build-console.sh`). Without them the binary embeds a page that says how to build
//! the console, so the API still builds and serves (e.g. `cargo check` on a machine without
//! Node.js). The build never runs npm itself: build scripts must not reach the network.

use std::path::PathBuf;

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let console = manifest.join("../../console");
    let dist = console.join("dist");
    let dir = if dist.join("index.html").is_file() {
        println!("cargo:rerun-if-changed={}", dist.display());
        dist
    } else {
        // Watch for the console being built.
        println!("cargo:rerun-if-changed={}", console.display());
        let out =
            PathBuf::from(std::env::var("OUT_DIR").expect("set by cargo")).join("console-missing");
        std::fs::create_dir_all(&out).expect("OUT_DIR is writable");
        std::fs::write(
            out.join("index.html"),
            "<!doctype html><meta charset=utf-8><title>Daily X Agent</title>\
             <h1>Daily X Agent</h1><p>This binary was built without the console. Build it with \
             <code>bash scripts/build-console.sh</code>, then rebuild the host. The API is at \
             <a href=\"/api/openapi.json\">/api/openapi.json</a>.</p>",
        )
        .expect("OUT_DIR is writable");
        out
    };
    println!("cargo:rustc-env=DAILYX_CONSOLE_DIR={}", dir.display());
}
