//! Shared helpers for the integration tests: a registry in a temporary
//! directory made of real built components, servers on loopback, inputs.
//!
//! The components come from `scripts/build-guests.sh`; a missing one fails
//! the test with that instruction rather than skipping it.

pub mod db;
pub mod fixtures;

use dailyx_runtime::types::{Beat, BeatKind, PostFormat, RunContext, StyleGuide, ThreadPlan};
use dailyx_runtime::{Runtime, RuntimeConfig, StageInput, TrustedKey};
use dailyx_signing::SigningKeyFile;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The repository root.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// The shipped plugins directory.
pub fn shipped_plugins() -> PathBuf {
    workspace_root().join("plugins-registry")
}

/// Bytes of a built component: a shipped one (`collector`) or a fixture (`fixtures/hostile`).
pub fn component_bytes(name: &str) -> Vec<u8> {
    let path = shipped_plugins().join(format!("{name}.wasm"));
    std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; build the guests first: bash scripts/build-guests.sh",
            path.display()
        )
    })
}

/// The shipped plugins directory's runtime config, trusting the local build key the build
/// signed them with (`keys/local-build.pub`).
pub fn shipped_config() -> RuntimeConfig {
    let mut config = RuntimeConfig::new(shipped_plugins());
    let pub_file = workspace_root().join("keys/local-build.pub");
    let key = dailyx_signing::PublicKey::read(&pub_file).unwrap_or_else(|e| {
        panic!("{e}; build the guests first (they are signed): bash scripts/build-guests.sh")
    });
    config.trust.keys.push(TrustedKey {
        name: pub_file.display().to_string(),
        key,
    });
    config
}

/// A plugins directory in a temporary folder whose components are signed with a key of its
/// own, which [`TestRegistry::config`] trusts.
pub struct TestRegistry {
    /// Keeps the folder alive.
    pub dir: tempfile::TempDir,
    /// The signing key (kept outside the plugins folder, as a real one would be).
    pub key: SigningKeyFile,
    _key_dir: tempfile::TempDir,
}

impl TestRegistry {
    /// An empty registry folder and a fresh signing key.
    pub fn new() -> Self {
        let key_dir = tempfile::tempdir().expect("temp dir");
        let key = SigningKeyFile::generate(&key_dir.path().join("test.key")).expect("key");
        TestRegistry {
            dir: tempfile::tempdir().expect("temp dir"),
            key,
            _key_dir: key_dir,
        }
    }

    /// The plugins directory.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes `bytes` as `file` with a matching `.sha256` and (when the manifest names the
    /// file) its signature beside it, then renames the file into place, as the build does.
    pub fn put(&self, file: &str, bytes: &[u8]) {
        self.put_file(file, bytes, true);
    }

    /// Like [`TestRegistry::put`], but without signing it (a stale `.sig` is removed).
    pub fn put_unsigned(&self, file: &str, bytes: &[u8]) {
        // Whatever entries use this file lose their signatures.
        if let Ok(text) = std::fs::read_to_string(self.path().join("registry.toml")) {
            for e in dailyx_signing::signed_entries(&text).unwrap_or_default() {
                if e.file == file {
                    let _ = std::fs::remove_file(self.path().join(format!("{}.sig", e.name)));
                }
            }
        }
        self.put_file(file, bytes, false);
    }

    fn put_file(&self, file: &str, bytes: &[u8], sign: bool) {
        let digest = dailyx_runtime::engine::digest_of(bytes);
        let sidecar = self.path().join(format!("{file}.sha256"));
        std::fs::write(sidecar, digest).expect("write digest");
        let tmp = self.path().join(format!("{file}.tmp"));
        std::fs::write(&tmp, bytes).expect("write component");
        if sign {
            self.sign_entries(Some((file, &tmp)));
        }
        std::fs::rename(tmp, self.path().join(file)).expect("rename component");
    }

    /// Signs every manifest entry whose file exists (`staged`: the bytes of `file` are still
    /// in a temporary file).
    pub fn sign_entries(&self, staged: Option<(&str, &Path)>) {
        let Ok(text) = std::fs::read_to_string(self.path().join("registry.toml")) else {
            return;
        };
        let Ok(entries) = dailyx_signing::signed_entries(&text) else {
            return;
        };
        let targets: Vec<(String, Option<PathBuf>)> = entries
            .into_iter()
            .filter_map(|e| match staged {
                Some((file, tmp)) if e.file == file => Some((e.name, Some(tmp.to_owned()))),
                _ if self.path().join(&e.file).exists() => Some((e.name, None)),
                _ => None,
            })
            .collect();
        if !targets.is_empty() {
            dailyx_signing::sign_staged(self.path(), &self.key, &targets).expect("sign");
        }
    }

    /// Writes the manifest and signs the entries whose files are in place.
    pub fn manifest(&self, toml: &str) {
        self.manifest_unsigned(toml);
        self.sign_entries(None);
    }

    /// Writes the manifest without (re-)signing anything.
    pub fn manifest_unsigned(&self, toml: &str) {
        std::fs::write(self.path().join("registry.toml"), toml).expect("write manifest");
    }

    /// A runtime config for this folder trusting its key (no compile cache unless set).
    pub fn config(&self) -> RuntimeConfig {
        let mut config = RuntimeConfig::new(self.path());
        config.trust.keys.push(TrustedKey {
            name: "test key".into(),
            key: self.key.public_key(),
        });
        config
    }

    /// Starts a runtime with default config.
    pub async fn start(&self) -> Arc<Runtime> {
        Runtime::start(self.config()).await.expect("runtime starts")
    }
}

impl Default for TestRegistry {
    fn default() -> Self {
        Self::new()
    }
}

/// Serves `router` on 127.0.0.1 at a free port.
pub async fn serve(router: axum::Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    addr
}

/// A run context whose `run_id` selects the hostile fixture's mode.
pub fn ctx(run_id: &str) -> RunContext {
    RunContext {
        run_id: run_id.into(),
        date: "2026-11-21".into(),
        started_at_ms: 1_763_700_000_000,
        previous_run_at_ms: None,
        dry_run: true,
    }
}

/// A style guide with nothing in it.
pub fn empty_style() -> StyleGuide {
    StyleGuide {
        persona_id: "p".into(),
        tone: String::new(),
        language: "en".into(),
        max_hashtags: 0,
        hashtags: vec![],
        emoji: false,
        target_length: 200,
        preferred_phrases: vec![],
        banned_phrases: vec![],
        rules: vec![],
        examples: vec![],
    }
}

/// Input for a writer: `mode` in the context, `args` as beats.
pub fn writer_input(mode: &str, args: &[&str]) -> StageInput {
    StageInput::Write {
        ctx: ctx(mode),
        plan: ThreadPlan {
            format: PostFormat::Single,
            beats: args
                .iter()
                .map(|a| Beat {
                    kind: BeatKind::Point,
                    summary: (*a).into(),
                    material_ids: vec![],
                })
                .collect(),
            max_tweets: 1,
            max_weighted_length: 280,
        },
        materials: vec![],
        style: empty_style(),
    }
}

/// A small git repository with a changelog and a few conventional commits (benchmarks).
pub fn sample_repo(dir: &Path) {
    let repo = git2::Repository::init(dir).expect("init");
    let sig = git2::Signature::now("Ada", "ada@example.com").expect("sig");
    let mut parent: Option<git2::Oid> = None;
    let commits = [
        (
            "CHANGELOG.md",
            "# Changelog\n\n## 1.4.0\n- Streaming API\n- Faster sync\n",
            "docs: changelog for 1.4.0",
        ),
        (
            "src/stream.rs",
            "pub fn stream() {}\n",
            "feat(api): streaming responses",
        ),
        (
            "src/sync.rs",
            "pub fn sync() {}\npub fn fast() {}\n",
            "perf(sync): 3x faster initial sync",
        ),
        ("src/fix.rs", "pub fn fix() {}\n", "fix: handle empty input"),
        (
            "Cargo.toml",
            "[package]\nversion = \"1.4.0\"\n",
            "chore: bump version to 1.4.0",
        ),
    ];
    for (file, content, message) in commits {
        let path = dir.join(file);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, content).expect("write");
        let mut index = repo.index().expect("index");
        index.add_path(Path::new(file)).expect("add");
        index.write().expect("write index");
        let tree = repo
            .find_tree(index.write_tree().expect("tree"))
            .expect("find tree");
        let parents: Vec<git2::Commit> = parent
            .iter()
            .map(|p| repo.find_commit(*p).expect("parent"))
            .collect();
        let refs: Vec<&git2::Commit> = parents.iter().collect();
        parent = Some(
            repo.commit(Some("HEAD"), &sig, &sig, message, &tree, &refs)
                .expect("commit"),
        );
    }
}

/// An OpenAI-compatible chat completions server on loopback that answers `answer` at once
/// (900 prompt + 60 completion tokens): the zero-latency LLM of the benchmarks.
pub async fn zero_latency_llm(answer: &'static str) -> SocketAddr {
    use axum::{Json, routing::post};
    let app = axum::Router::new().route(
        "/v1/chat/completions",
        post(move || async move {
            Json(serde_json::json!({
                "model": "bench-model",
                "choices": [{"index": 0, "message": {"role": "assistant", "content": answer}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 900, "completion_tokens": 60}
            }))
        }),
    );
    serve(app).await
}

/// The shipped components' runtime config for a whole-pipeline benchmark: the repository
/// `project` at `repo`, the compile cache under `data`, the LLM at `llm` (see
/// [`zero_latency_llm`]).
pub fn bench_pipeline_config(repo: &Path, data: &Path, llm: SocketAddr) -> RuntimeConfig {
    let mut config = shipped_config();
    config.cache_dir = Some(data.join("cache"));
    config.repositories = dailyx_runtime::capability::repo::Repositories(
        std::collections::BTreeMap::from([("project".to_string(), repo.to_path_buf())]),
    );
    config.llm = Some(dailyx_runtime::capability::llm::LlmEndpoint {
        base_url: format!("http://{llm}/v1"),
        api_key: Some(dailyx_runtime::secret::Secret::new("bench-key")),
        model: "bench-model".into(),
        timeout: std::time::Duration::from_secs(10),
    });
    config
}
