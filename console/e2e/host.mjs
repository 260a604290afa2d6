// Starts the real host (`dailyx serve`) on loopback with SQLite in a temporary directory, over
// a small git repository the test can add commits to, and a private copy of the shipped plugins
// directory the test may change (new versions, rollbacks). Dry-run publishing, no keys.
import { spawn, execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, mkdirSync, writeFileSync, createWriteStream, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";

const here = new URL(".", import.meta.url).pathname;
export const repoRoot = resolve(here, "../..");

/** The dailyx binary: $DAILYX_BIN, else the workspace's debug build. */
export function dailyxBin() {
  if (process.env.DAILYX_BIN) return process.env.DAILYX_BIN;
  const target = process.env.CARGO_TARGET_DIR ?? join(repoRoot, "target");
  return join(target, "debug", "dailyx");
}

const git = (cwd, ...args) =>
  execFileSync("git", args, {
    cwd,
    stdio: "pipe",
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: "Ann Dev",
      GIT_AUTHOR_EMAIL: "ann@example.com",
      GIT_COMMITTER_NAME: "Ann Dev",
      GIT_COMMITTER_EMAIL: "ann@example.com",
    },
  });

/** Adds commits (`[file, message, content]`) to the project repository. */
export function commit(project, commits) {
  for (const [file, message, content] of commits) {
    const full = join(project, file);
    mkdirSync(join(full, ".."), { recursive: true });
    writeFileSync(full, content);
    git(project, "add", file);
    git(project, "commit", "-q", "-m", message);
  }
}

export const ADMIN_PASSWORD = "admin-e2e-password-0451";
export const REVIEWER_PASSWORD = "reviewer-e2e-password-9312";

/** A running host: `base` URL, `stop()`, `cli(args, env)` against the same config,
 * `plugins`, its private plugins directory, and `startPeer()`, which starts another host
 * process on the same database (another node). `server` adds lines to the config's `[server]`
 * section (e.g. `node_dead_after_secs = 3`). `beforeServe({ plugins, cli })` runs once the
 * config is written and before the host starts (to install more components, say). */
export async function startHost({ server = [], beforeServe } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "dailyx-e2e-"));
  // The built components, signatures, golden sets and fixtures, copied: a test that installs a
  // new version or rolls one back changes only this copy.
  const plugins = join(dir, "plugins");
  cpSync(join(repoRoot, "plugins-registry"), plugins, { recursive: true });
  const project = join(dir, "project");
  mkdirSync(project);
  git(project, "init", "-q", "-b", "main");
  commit(project, [
    ["src/cache.rs", "feat(cache): persistent compile cache cuts cold starts from 2.1 s to 26 ms", "pub fn cache() {}\n"],
    ["src/limits.rs", "fix: enforce the memory limit when a component grows its table", "pub fn limits() {}\n"],
    ["CHANGELOG.md", "docs: changelog for 0.2.0", "# Changelog\n\n## 0.2.0\n\n- Persistent compile cache.\n"],
  ]);
  const config = [
    `data_dir = ${JSON.stringify(join(dir, "data"))}`,
    `plugins_dir = ${JSON.stringify(plugins)}`,
    `[signing]`,
    `trusted_key_files = [${JSON.stringify(join(repoRoot, "keys", "local-build.pub"))}]`,
    "[repositories]",
    `project = ${JSON.stringify(project)}`,
    "[runtime]",
    `cache_dir = ${JSON.stringify(join(dailyxBin(), "..", "..", "dailyx-test-cache"))}`,
    "[pipeline]",
    'timezone = "UTC"',
    "dry_run = true",
    "[server]",
    "worker_poll_secs = 1",
    "publish_poll_secs = 1",
    "tick_secs = 1",
    // No metrics collection of its own: the tests collect when they mean to.
    "metrics_interval_secs = 0",
    ...server,
  ].join("\n");
  writeFileSync(join(dir, "dailyx.toml"), config + "\n");
  const env = {
    ...process.env,
    DAILYX_ADMIN_PASSWORD: ADMIN_PASSWORD,
    DAILYX_LOG: "info,sqlx=warn",
  };
  delete env.DAILYX_CONFIG;
  delete env.DATABASE_URL;
  const cli = (args, extraEnv = {}) =>
    execFileSync(dailyxBin(), args, { cwd: dir, env: { ...env, ...extraEnv }, stdio: "pipe" }).toString();
  await beforeServe?.({ plugins, cli });
  const { child, base } = await serve(dir, env, "server.log");
  return {
    base,
    dir,
    project,
    plugins,
    logs: () => safeRead(join(dir, "server.log")),
    cli,
    stop: () => stopChild(child),
    /** Another `dailyx serve` on the same config and database: `base`, `stop()` (SIGTERM),
     * `kill()` (SIGKILL: no goodbye, as a crashed node), and `pause()` / `resume()` (SIGSTOP /
     * SIGCONT: a node that goes silent, then comes back as the same node). */
    async startPeer() {
      const peer = await serve(dir, env, `peer-${++peers}.log`);
      return {
        base: peer.base,
        stop: () => stopChild(peer.child),
        kill: () => stopChild(peer.child, "SIGKILL"),
        pause: () => peer.child.kill("SIGSTOP"),
        resume: () => peer.child.kill("SIGCONT"),
      };
    },
  };
}

let peers = 0;

/** Starts `dailyx serve` in `dir` on a free loopback port, logging to `logName` there. */
async function serve(dir, env, logName) {
  const log = createWriteStream(join(dir, logName));
  const child = spawn(dailyxBin(), ["serve", "--bind", "127.0.0.1:0"], {
    cwd: dir,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stderr.pipe(log);
  const base = await new Promise((resolveBase, reject) => {
    const timer = setTimeout(() => reject(new Error(`the host did not start:\n${safeRead(join(dir, logName))}`)), 120_000);
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the host exited with ${code}:\n${safeRead(join(dir, logName))}`));
    });
    createInterface({ input: child.stdout }).on("line", (line) => {
      log.write(`[stdout] ${line}\n`);
      const m = line.match(/^dailyx serving on (http:\/\/\S+)/);
      if (m) {
        clearTimeout(timer);
        resolveBase(m[1]);
      }
    });
  });
  return { child, base };
}

async function stopChild(child, signal = "SIGTERM") {
  child.removeAllListeners("exit");
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill(signal);
  await new Promise((r) => {
    const t = setTimeout(() => {
      child.kill("SIGKILL");
      r();
    }, 10_000);
    child.once("exit", () => {
      clearTimeout(t);
      r();
    });
  });
}

function safeRead(path) {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}
