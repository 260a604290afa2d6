// Stage bindings in Debian's Chromium against the real host: two writers installed side by side
// (the shipped 0.2.0 writer and a 0.1.0 build of it, signed like any component); switching the
// writer stage on the Plugins page changes which one the next run calls (its agent timeline
// names it), and switching back restores the first. A reviewer sees the bindings, not the switch.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { appendFileSync, copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { launchBrowser, openPage, signIn } from "./browser.mjs";
import { ADMIN_PASSWORD, REVIEWER_PASSWORD, commit, repoRoot, startHost } from "./host.mjs";

const artifacts = join(repoRoot, "console", "e2e-artifacts");
mkdirSync(artifacts, { recursive: true });

let host;
let browser;
/** Problems the pages reported (uncaught errors, CSP violations). */
const pageProblems = [];

before(async () => {
  host = await startHost({
    beforeServe({ plugins, cli }) {
      const wasm = join(plugins, "writer-v01.wasm");
      copyFileSync(join(repoRoot, "plugins-registry", "fixtures", "writer-v0-1.wasm"), wasm);
      const digest = createHash("sha256").update(readFileSync(wasm)).digest("hex");
      writeFileSync(`${wasm}.sha256`, `sha256:${digest}\n`);
      appendFileSync(
        join(plugins, "registry.toml"),
        '\n[[component]]\nname = "writer-v01"\nversion = "0.1.0"\nworld = "writer"\nfile = "writer-v01.wasm"\n',
      );
      cli(["plugins", "sign", "--key", join(repoRoot, "keys", "local-build.key"), "writer-v01"]);
    },
  });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await host?.stop();
});

const newPage = (options) => openPage(browser, pageProblems, options);

async function login(page, username, password) {
  await signIn(page, host.base, username, password);
  await page.getByTestId("current-user").waitFor();
}

const nav = (page) => page.getByRole("navigation", { name: "Main" });
const shot = (page, name) => page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });

/** Switches the writer stage to `component` on the Plugins page. */
async function switchWriter(page, component) {
  await nav(page).getByRole("link", { name: "Plugins" }).click();
  const bindings = page.getByRole("region", { name: "Stage bindings table" });
  const row = bindings.locator("tr[data-stage='writer']");
  const select = row.getByLabel("Component for the writer stage");
  await select.waitFor();
  await select.selectOption(component);
  await row.getByRole("button", { name: "Switch the writer stage" }).click();
  await page.getByRole("status").filter({ hasText: `The writer stage is now served by ${component}` }).waitFor();
  assert.equal(await select.inputValue(), component);
  return row;
}

/** Queues a run over a new commit from the Runs page and returns the component its writer step
 * ran, as the draft's agent timeline shows it. */
async function runAndReadWriter(page, n) {
  commit(host.project, [[`src/feature${n}.rs`, `feat: stage bindings switch writer number ${n}`, `pub fn f${n}() {}\n`]]);
  await nav(page).getByRole("link", { name: "Runs" }).click();
  await page.getByRole("button", { name: "Run now" }).click();
  const queued = page.getByRole("status").filter({ hasText: /queued/ });
  await queued.waitFor();
  const id = (await queued.innerText()).match(/Run (\S+) queued/)[1];
  const draft = page.locator(`tbody tr[data-run-id='${id}']`).getByRole("link", { name: "Draft" });
  await draft.waitFor({ timeout: 90_000 });
  await draft.click();
  await page.getByRole("heading", { name: "Agent timeline" }).waitFor();
  const timeline = page.getByRole("region", { name: "Agent timeline table" });
  await timeline.locator("tbody tr").first().waitFor();
  const cells = await timeline
    .locator("tbody tr")
    .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.innerText.trim())));
  const writer = cells.find((c) => c[0] === "writer");
  assert.ok(writer, `no writer step in ${JSON.stringify(cells)}`);
  return writer[1];
}

test("stage bindings: the writer stage is switched to a second writer on the Plugins page and back; each next run uses it", async () => {
  const page = await newPage();
  await login(page, "admin", ADMIN_PASSWORD);
  await nav(page).getByRole("link", { name: "Plugins" }).click();
  const bindings = page.getByRole("region", { name: "Stage bindings table" });
  const row = bindings.locator("tr[data-stage='writer']");
  await row.waitFor();
  // Both writers are candidates; the default (the component named after the stage) serves.
  const select = row.getByLabel("Component for the writer stage");
  assert.deepEqual(await select.locator("option").allInnerTexts(), ["writer", "writer-v01"]);
  assert.equal(await select.inputValue(), "writer");
  assert.match(await row.innerText(), /default/);
  // A stage with one candidate is shown, not offered as a choice.
  assert.equal(await bindings.locator("tr[data-stage='critic'] select").count(), 0);
  assert.equal(await bindings.getByTestId("serving-critic").innerText(), "critic");
  // Nothing chosen yet: the switch button waits for a different choice.
  assert.equal(await row.getByRole("button", { name: "Switch the writer stage" }).isDisabled(), true);
  assert.match(await runAndReadWriter(page, 1), /^writer@\d/);

  await switchWriter(page, "writer-v01");
  assert.match(await row.innerText(), /set in the console/);
  await shot(page, "30-stage-bindings-switched");
  assert.match(await runAndReadWriter(page, 2), /^writer-v01@0\.1\.0$/);

  // A reviewer sees which component serves, but no switch.
  host.cli(["users", "add", "rita", "--role", "reviewer"], { DAILYX_NEW_PASSWORD: REVIEWER_PASSWORD });
  const reviewer = await newPage({ width: 375, height: 812 });
  await login(reviewer, "rita", REVIEWER_PASSWORD);
  await reviewer.goto(`${host.base}/plugins`);
  await reviewer.getByTestId("serving-writer").filter({ hasText: "writer-v01" }).waitFor();
  assert.equal(await reviewer.locator(".stage-bindings select").count(), 0);
  const overflow = await reviewer.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the plugins page scrolls sideways by ${overflow}px at 375px`);
  await reviewer.context().close();

  // And back: the next run's writer is the first one again.
  await switchWriter(page, "writer");
  assert.match(await runAndReadWriter(page, 3), /^writer@\d/);

  // Each switch is in the audit log with who, from what, to what.
  const audit = await page.evaluate(async () => (await (await fetch("/api/audit")).json()).entries);
  const switches = audit.filter((e) => e.action === "config.stages").map((e) => [e.username, e.detail.writer]);
  assert.deepEqual(switches, [
    ["admin", { from: "writer-v01", to: "writer" }],
    ["admin", { from: "writer", to: "writer-v01" }],
  ]);
  assert.equal(await page.getByRole("alert").count(), 0);
  await page.context().close();
});

test("the pages reported no errors and no CSP violations", () => {
  assert.deepEqual(pageProblems, []);
});
