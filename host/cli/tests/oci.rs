//! Components through a real OCI registry: Debian's docker-registry (the CNCF distribution
//! registry, installed by scripts/oci-registry.sh) on a loopback port with its own storage.
//! `dailyx plugins push` sends a signed component as one Wasm OCI artifact; `dailyx plugins
//! install` pulls it into an empty plugins folder, where it loads. Whatever the registry serves
//! is checked before anything is written: a tampered blob, a manifest other than the pinned
//! digest, an unsigned artifact, one signed by a key this host does not trust, a registry that
//! is down: each is refused with a clear message and the folder stays empty.

use dailyx_oci::{Artifact, Auth, OciRef, Registry};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output};
use std::time::{Duration, Instant};

mod common;

use common::{local_build_key, root};

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Runs `dailyx` with `plugins` as its plugins folder, trusting `trusted`.
fn dailyx(plugins: &Path, trusted: &str, args: &[&str]) -> Output {
    let data = tempfile::tempdir().unwrap();
    Command::new(env!("CARGO_BIN_EXE_dailyx"))
        .current_dir(data.path())
        .args(args)
        .env_remove("DAILYX_CONFIG")
        .env_remove("DAILYX_REGISTRY_TOKEN")
        .env_remove("DAILYX_REGISTRY_USER")
        .env_remove("DAILYX_REGISTRY_PASSWORD")
        .env("DAILYX_PLUGINS_DIR", plugins)
        .env("DAILYX_TRUSTED_KEYS", trusted)
        .env("DAILYX_DATA_DIR", data.path().join("data"))
        .output()
        .expect("run dailyx")
}

/// A docker-registry process on a free loopback port, storing in a temporary folder.
struct OciRegistry {
    child: Child,
    addr: String,
    dir: tempfile::TempDir,
}

impl OciRegistry {
    fn start() -> OciRegistry {
        let dir = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let addr = format!("127.0.0.1:{port}");
        let config = dir.path().join("config.yml");
        std::fs::write(
            &config,
            format!(
                "version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: {addr}\n",
                dir.path().join("data").display()
            ),
        )
        .unwrap();
        let child = Command::new("docker-registry")
            .arg("serve")
            .arg(&config)
            .stdout(std::process::Stdio::null())
            .stderr(std::fs::File::create(dir.path().join("registry.log")).unwrap())
            .spawn()
            .expect("docker-registry: install it with bash scripts/oci-registry.sh");
        let until = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(&addr).is_err() {
            assert!(Instant::now() < until, "the registry did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        OciRegistry { child, addr, dir }
    }

    fn reference(&self, path: &str) -> String {
        format!("oci://{}/{path}", self.addr)
    }

    /// Every blob file the registry stores.
    fn blob_files(&self) -> Vec<PathBuf> {
        let mut found = vec![];
        let mut stack = vec![self.dir.path().join("data/docker/registry/v2/blobs")];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.file_name().is_some_and(|n| n == "data") {
                    found.push(path);
                }
            }
        }
        found
    }
}

impl Drop for OciRegistry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn assert_empty(dir: &Path, why: &str) {
    let left: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert!(left.is_empty(), "{why}: left {left:?} behind");
}

fn shipped() -> PathBuf {
    root().join("plugins-registry")
}

#[test]
fn a_signed_component_is_pushed_and_installed_into_an_empty_plugins_folder_where_it_loads() {
    let registry = OciRegistry::start();
    let key = local_build_key();
    let tag = registry.reference("team/writer:0.1.0");
    let out = dailyx(&shipped(), &key, &["plugins", "push", "writer", &tag]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let pinned = stdout
        .lines()
        .find_map(|l| l.trim().strip_prefix("pinned: "))
        .unwrap_or_else(|| panic!("{stdout}"))
        .to_owned();

    // Into an empty folder: the file, its digest, its signature and its entry, which loads.
    let plugins = tempfile::tempdir().unwrap();
    let out = dailyx(plugins.path(), &key, &["plugins", "install", &tag]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
    assert!(stdout.contains("writer 0.1.0 (writer world)"), "{stdout}");
    assert!(stdout.contains("signed by"), "{stdout}");
    assert!(
        stdout.contains("max_tokens_per_run"),
        "the grants are shown: {stdout}"
    );
    let installed = std::fs::read(plugins.path().join("writer.wasm")).unwrap();
    assert_eq!(
        installed,
        std::fs::read(shipped().join("writer.wasm")).unwrap()
    );
    for f in ["writer.wasm.sha256", "writer.sig", "registry.toml"] {
        assert!(plugins.path().join(f).exists(), "{f}");
    }
    let out = dailyx(plugins.path(), &key, &["plugins", "check"]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
    assert!(
        stdout.contains("1 component(s) loaded, 0 problem(s)"),
        "{stdout}"
    );

    // Pinned by the digest the push printed: the same component.
    let by_digest = tempfile::tempdir().unwrap();
    let out = dailyx(by_digest.path(), &key, &["plugins", "install", &pinned]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        std::fs::read(by_digest.path().join("writer.wasm")).unwrap(),
        installed
    );

    // Refused, nothing written: a digest the registry does not have, a key this host does not
    // trust, a registry that is down.
    let other_digest = format!(
        "{}@sha256:{}",
        registry.reference("team/writer"),
        "0".repeat(64)
    );
    let keys = tempfile::tempdir().unwrap();
    let other_key = keys.path().join("other.key");
    let out = dailyx(
        &shipped(),
        &key,
        &["plugins", "keygen", "--out", &other_key.to_string_lossy()],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let other_pub = std::fs::read_to_string(keys.path().join("other.pub")).unwrap();
    let other_pub = other_pub
        .lines()
        .find(|l| l.starts_with("ed25519:"))
        .unwrap()
        .to_owned();
    let down = {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        format!("oci://127.0.0.1:{port}/team/writer:0.1.0")
    };
    for (source, trusted, says) in [
        (other_digest.as_str(), key.as_str(), "manifest unknown"),
        (tag.as_str(), other_pub.as_str(), "not trusted"),
        (down.as_str(), key.as_str(), "127.0.0.1"),
    ] {
        let empty = tempfile::tempdir().unwrap();
        let out = dailyx(empty.path(), trusted, &["plugins", "install", source]);
        let stderr = text(&out.stderr);
        assert!(!out.status.success(), "{source}: installed");
        assert!(
            stderr.to_lowercase().contains(&says.to_lowercase()),
            "{source}: {stderr}"
        );
        assert_empty(empty.path(), source);
    }

    // A tampered blob in the registry's storage: the pull sees the digest differ.
    for blob in registry.blob_files() {
        let mut bytes = std::fs::read(&blob).unwrap();
        if bytes.starts_with(b"\0asm") {
            let last = bytes.len() - 1;
            bytes[last] ^= 0xff;
            std::fs::write(&blob, bytes).unwrap();
        }
    }
    let empty = tempfile::tempdir().unwrap();
    let out = dailyx(empty.path(), &key, &["plugins", "install", &tag]);
    let stderr = text(&out.stderr);
    assert!(!out.status.success(), "a tampered blob was installed");
    assert!(stderr.contains("igest"), "{stderr}");
    assert_empty(empty.path(), "tampered blob");
}

#[tokio::test(flavor = "multi_thread")]
async fn unsigned_and_malformed_artifacts_are_refused_and_nothing_is_written() {
    dailyx_runtime::install_crypto_provider();
    let registry = OciRegistry::start();
    let key = local_build_key();
    let wasm = std::fs::read(shipped().join("writer.wasm")).unwrap();
    let manifest = std::fs::read_to_string(shipped().join("registry.toml")).unwrap();
    let form = dailyx_signing::signed_entries(&manifest)
        .unwrap()
        .into_iter()
        .find(|e| e.name == "writer")
        .unwrap()
        .form;
    let signature = std::fs::read_to_string(shipped().join("writer.sig")).unwrap();
    let push = |path: &'static str, artifact: Artifact| {
        let reference: OciRef = registry.reference(path).parse().unwrap();
        async move {
            Registry::new(&reference)
                .unwrap()
                .push(&reference, &artifact, &Auth::Anonymous)
                .await
                .unwrap();
            reference.to_string()
        }
    };
    let good = Artifact {
        name: "writer".into(),
        version: "0.1.0".into(),
        wasm: wasm.clone(),
        signed_form: form.clone(),
        signature: Some(signature.trim().to_owned()),
    };
    let cases = [
        (
            push(
                "team/unsigned:1",
                Artifact {
                    signature: None,
                    ..good.clone()
                },
            )
            .await,
            "is not signed",
        ),
        // The entry says more than was signed (a widened grant slipped in): the signature fails.
        (
            push(
                "team/widened:1",
                Artifact {
                    signed_form: form.replace(
                        "\"max_tokens_per_run\":6000",
                        "\"max_tokens_per_run\":600000",
                    ),
                    ..good.clone()
                },
            )
            .await,
            "does not match",
        ),
        // A name that would reach outside the plugins folder.
        (
            push(
                "team/escape:1",
                Artifact {
                    name: "../escape".into(),
                    signed_form: form.replace("\"name\":\"writer\"", "\"name\":\"../escape\""),
                    ..good.clone()
                },
            )
            .await,
            "not a component name",
        ),
    ];
    // Signed by a trusted key, but naming a place for the file outside the plugins folder: a
    // signed form never holds a location, and install never takes one from it.
    let build_key =
        dailyx_signing::SigningKeyFile::load(&root().join("keys/local-build.key")).unwrap();
    let located = form.replacen('{', "{\"file\":\"../outside.wasm\",", 1);
    let located_sig = build_key.sign(&dailyx_signing::sha256_digest(&wasm), &located);
    let cases: Vec<(String, &str)> = cases
        .into_iter()
        .chain([(
            push(
                "team/located:1",
                Artifact {
                    signed_form: located,
                    signature: Some(serde_json::to_string(&located_sig).unwrap()),
                    ..good.clone()
                },
            )
            .await,
            "location",
        )])
        .collect();
    assert!(form.contains("\"max_tokens_per_run\":6000"), "{form}");
    for (source, says) in cases {
        let empty = tempfile::tempdir().unwrap();
        let out = dailyx(empty.path(), &key, &["plugins", "install", &source]);
        let stderr = text(&out.stderr);
        assert!(!out.status.success(), "{source}: installed");
        assert!(stderr.contains(says), "{source}: {stderr}");
        assert_empty(empty.path(), &source);
    }

    // Pushing an unsigned component is refused before anything is sent.
    let unsigned = tempfile::tempdir().unwrap();
    for f in ["writer.wasm", "writer.wasm.sha256", "registry.toml"] {
        std::fs::copy(shipped().join(f), unsigned.path().join(f)).unwrap();
    }
    let out = dailyx(
        unsigned.path(),
        &key,
        &[
            "plugins",
            "push",
            "writer",
            &registry.reference("team/nosig:1"),
        ],
    );
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("is not signed"),
        "{}",
        text(&out.stderr)
    );
}
