// The console end to end: Debian's Chromium driven by Playwright against the real host on
// loopback (SQLite, dry-run), drafts made by real pipeline runs. Screenshots go to
// console/e2e-artifacts/ (kept by CI as artifacts).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { launchBrowser, openPage, signIn } from "./browser.mjs";
import { ADMIN_PASSWORD, REVIEWER_PASSWORD, commit, repoRoot, startHost } from "./host.mjs";

const artifacts = join(repoRoot, "console", "e2e-artifacts");
mkdirSync(artifacts, { recursive: true });

let host;
let browser;
/** Problems the page reported (uncaught errors, CSP violations, failed requests to us). */
const pageProblems = [];

before(async () => {
  host = await startHost();
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

test("a bad login shows an error and no session", async () => {
  const page = await newPage();
  await page.goto(`${host.base}/drafts`);
  await page.getByLabel("User name").fill("admin");
  await page.getByLabel("Password").fill("not-the-password");
  await page.getByRole("button", { name: "Sign in" }).click();
  const alert = page.getByRole("alert");
  await alert.waitFor();
  assert.match(await alert.innerText(), /wrong user name or password/);
  assert.equal(await page.getByTestId("current-user").count(), 0);
  await shot(page, "01-bad-login");
  await page.context().close();
});

test("review, edit with diff and live count, approve to dry_run_posted; skip another; settings", async () => {
  const page = await newPage();
  await login(page, "admin", ADMIN_PASSWORD);
  assert.match(await page.getByTestId("current-user").innerText(), /admin/);

  // The first start's run drafts from the repository; the inbox shows it live.
  const first = page.locator(".draft-row").first();
  await first.waitFor({ timeout: 90_000 });
  await shot(page, "02-inbox");
  assert.match(await first.locator(".badge").innerText(), /Pending review|Needs attention/);
  await first.locator("a.draft-link").click();

  // The review page: the thread, lengths, the agent timeline, provenance, capability events.
  await page.getByRole("heading", { name: "Agent timeline" }).waitFor();
  const rows = page.getByRole("region", { name: "Agent timeline", exact: true }).locator("tbody tr");
  assert.ok((await rows.count()) >= 8, "every step of the run is on the timeline");
  const timeline = await page.getByRole("region", { name: "Agent timeline", exact: true }).innerText();
  for (const component of ["collector", "curator", "writer", "critic", "policy"]) {
    assert.match(timeline, new RegExp(component));
  }
  await page.getByRole("heading", { name: "Capability events" }).waitFor();
  assert.match(await page.locator(".tweet").first().innerText(), /\d+ \/ 280/);
  const sources = page.locator(".provenance summary").first();
  await sources.click();
  assert.match(await page.locator(".provenance").first().innerText(), /commit|release|changelog/i);
  await shot(page, "03-review");

  // Edit: the diff against the generated text and the weighted count follow the typing.
  const lengthBefore = await page.locator(".tweet").first().getByTestId("length").innerText();
  await page.getByRole("button", { name: "Edit" }).click();
  const box = page.getByLabel("Tweet 1");
  const original = await box.inputValue();
  const addition = " Reviewed by a human.";
  await box.fill(original + addition);
  await page.locator(".tweet").first().locator(".diff ins").filter({ hasText: "human" }).waitFor();
  const n = Number(lengthBefore.split("/")[0].trim());
  await page
    .locator(".tweet")
    .first()
    .getByTestId("length")
    .filter({ hasText: `${n + addition.length} /` })
    .waitFor();
  await shot(page, "04-editing");

  // Approve with the edit, confirm; the publisher takes it to dry_run_posted.
  await page.getByRole("button", { name: "Approve with edits" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.waitFor();
  assert.match(await dialog.innerText(), /Dry-run is on/);
  await dialog.getByRole("button", { name: "Approve" }).click();
  await page.locator(".page-head .badge[data-status='dry_run_posted']").waitFor({ timeout: 30_000 });
  assert.match(await page.getByRole("region", { name: "Published", exact: true }).innerText(), /dry-run/);
  assert.match(await page.locator(".tweet").first().innerText(), /Reviewed by a human\./);
  await shot(page, "05-dry-run-posted");

  // A second draft from new commits, by "Run now"; skip it from the keyboard.
  commit(host.project, [
    ["src/retry.rs", "feat(publish): retries with jitter survive X's 503 storms", "pub fn retry() {}\n"],
    ["src/sse.rs", "feat(console): live draft updates over server-sent events", "pub fn sse() {}\n"],
  ]);
  await nav(page).getByRole("link", { name: "Runs" }).click();
  await page.getByRole("button", { name: "Run now" }).click();
  await page.getByRole("status").filter({ hasText: /queued/ }).waitFor();
  const draftLink = page.locator("tbody tr").first().getByRole("link", { name: "Draft" });
  await draftLink.waitFor({ timeout: 90_000 });
  await shot(page, "06-runs");
  await draftLink.click();
  // The notification's Edit link carries no token (editing needs a login): `?edit=1` opens the
  // editor here, and the address loses it so a reload does not reopen it.
  await page.getByRole("heading", { name: "Agent timeline" }).waitFor();
  await page.goto(`${page.url()}?edit=1`);
  await page.getByLabel("Tweet 1").waitFor();
  await page.waitForURL((url) => !url.search.includes("edit=1"));
  await page.getByRole("button", { name: "Cancel edit" }).click();
  const skip = page.getByRole("button", { name: "Skip", exact: true });
  await skip.focus();
  await page.keyboard.press("Enter");
  await dialog.waitFor();
  // Focus starts on Cancel (the safe choice); Tab reaches Skip.
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), "Cancel");
  await page.keyboard.press("Tab");
  await page.keyboard.press("Enter");
  await page.locator(".page-head .badge[data-status='skipped']").waitFor();

  // The inbox counts both outcomes.
  await nav(page).getByRole("link", { name: "Drafts" }).click();
  await page.getByTestId("filter-skipped").filter({ hasText: "1" }).waitFor();
  await page.getByTestId("filter-dry_run_posted").filter({ hasText: "1" }).waitFor();

  // Settings: a schedule shows its next five run times.
  await nav(page).getByRole("link", { name: "Settings" }).click();
  await page.getByLabel("Cron (minute hour day month weekday)").fill("30 9 * * 1-5");
  await page.getByLabel("Timezone (IANA name)").fill("Asia/Bangkok");
  // The next five times preview what is typed, in its timezone, before saving.
  await page.getByTestId("next-runs").filter({ hasText: /GMT\+7|ICT/ }).waitFor();
  assert.equal(await page.getByTestId("next-runs").locator("li").count(), 5);
  // Weekdays only, at 09:30.
  assert.doesNotMatch(await page.getByTestId("next-runs").innerText(), /Sat|Sun/);
  assert.match(await page.getByTestId("next-runs").innerText(), /09:30/);
  await page.locator("form:has(#schedule-title)").getByRole("button", { name: "Save" }).click();
  await page.locator("form:has(#schedule-title)").getByRole("status").filter({ hasText: "Saved" }).waitFor();
  // A bad cron is refused with the server's reason, shown.
  await page.getByLabel("Cron (minute hour day month weekday)").fill("every day");
  await page.locator("form:has(#schedule-title)").getByRole("button", { name: "Save" }).click();
  assert.match(await page.locator("form:has(#schedule-title) [role=alert]").innerText(), /five-field cron/);
  // ...and the preview shows no times for it.
  await page.getByTestId("next-runs").waitFor({ state: "detached" });
  await shot(page, "07-settings");

  // The audit log has the approval and the skip.
  await nav(page).getByRole("link", { name: "Audit log" }).click();
  await page.locator("td code", { hasText: "draft.approve" }).first().waitFor();
  await page.locator("td code", { hasText: "draft.skip" }).first().waitFor();

  await page.getByRole("button", { name: "Log out" }).click();
  await page.getByRole("button", { name: "Sign in" }).waitFor();
  await page.context().close();
});

test("a reviewer cannot open Settings; the console works at 375 px", async () => {
  host.cli(["users", "add", "rita", "--role", "reviewer"], { DAILYX_NEW_PASSWORD: REVIEWER_PASSWORD });
  const page = await newPage({ width: 375, height: 812 });
  await login(page, "rita", REVIEWER_PASSWORD);
  assert.equal(await page.getByRole("link", { name: "Settings" }).count(), 0);
  assert.equal(await page.getByRole("button", { name: "Run now" }).count(), 0);
  await page.goto(`${host.base}/settings`);
  assert.match(await page.getByRole("alert").innerText(), /admins only/);
  // The API refuses too (the page is not the only guard).
  const status = await page.evaluate(async () => (await fetch("/api/config/runtime")).status);
  assert.equal(status, 403);
  await shot(page, "08-reviewer-settings-refused");

  await page.goto(`${host.base}/drafts`);
  await page.locator(".draft-row").first().waitFor();
  await page.locator(".draft-row a.draft-link").first().click();
  await page.getByRole("heading", { name: "Agent timeline" }).waitFor();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the review page scrolls sideways by ${overflow}px at 375px`);
  await shot(page, "09-review-375px");
  await page.context().close();
});

test("plugins: history and eval reports; a widened upgrade waits for an admin, is confirmed, then rolled back", async () => {
  const page = await newPage();
  await login(page, "admin", ADMIN_PASSWORD);
  await nav(page).getByRole("link", { name: "Plugins" }).click();
  await page.getByRole("heading", { name: "Plugins", level: 1 }).waitFor();
  const writer = page.locator("article.plugin[data-component='writer']");

  // The writer's history: one version, activated at start, serving, nothing to roll back to.
  await writer.getByRole("button", { name: "History of writer" }).click();
  const history = writer.getByRole("region", { name: "writer history table" });
  const rows = history.locator("tbody tr");
  await rows.first().waitFor();
  assert.equal(await rows.count(), 1);
  assert.match(await rows.first().innerText(), /system \(start\)/);
  assert.match(await rows.first().innerText(), /Serving/);
  assert.equal(await history.getByRole("button", { name: /Roll back/ }).count(), 0);

  // Its eval report: the golden set passed at the first activation, three cases.
  await writer.getByRole("button", { name: "Eval reports of writer" }).click();
  const report = writer.locator(".eval-report").first();
  await report.waitFor();
  assert.equal(await report.getAttribute("data-passed"), "true");
  assert.match(await report.locator("summary").first().innerText(), /Passed/);
  assert.equal(await report.locator(".eval-case").count(), 3);
  assert.equal(await report.locator(".eval-case[data-passed='true']").count(), 3);
  await shot(page, "10-plugins-history-evals");

  // A new signed entry for the writer that also asks to reach an origin (the same bytes; the
  // review compares entries): the watcher holds it for an admin, 0.1.0 keeps serving.
  const manifestPath = join(host.plugins, "registry.toml");
  const manifest = readFileSync(manifestPath, "utf8");
  const head = 'name = "writer"\nversion = "0.1.0"';
  const at = manifest.indexOf(head);
  assert.ok(at >= 0, "the writer's entry changed; update this test");
  const budget = "max_tokens_per_run = 6000\n";
  const entry = manifest
    .slice(at)
    .replace(head, 'name = "writer"\nversion = "0.2.0"')
    .replace(budget, `${budget}[[component.grants.http.allow]]\norigin = "https://api.example.org"\n`);
  writeFileSync(`${manifestPath}.next`, manifest.slice(0, at) + entry);
  renameSync(`${manifestPath}.next`, manifestPath);
  host.cli(["plugins", "sign", "--key", join(repoRoot, "keys", "local-build.key"), "writer"]);
  const waiting = () =>
    page.evaluate(async () => {
      const res = await fetch("/api/plugins");
      return res.ok && (await res.json()).pending.some((p) => p.name === "writer" && p.to_version === "0.2.0");
    });
  for (const until = Date.now() + 60_000; !(await waiting()); await page.waitForTimeout(500)) {
    assert.ok(Date.now() < until, `the widened writer never waited for confirmation:\n${host.logs().slice(-3000)}`);
  }
  await page.reload();
  const pending = page.locator(".pending-upgrade[data-component='writer']");
  await pending.waitFor();
  assert.match(await pending.getByRole("heading").innerText(), /writer 0\.1\.0 → 0\.2\.0/);
  const widened = pending.locator(".change[data-direction='widened']");
  assert.ok((await widened.count()) >= 1);
  assert.match(await widened.first().innerText(), /^\+/);
  assert.match(await pending.locator(".changes").innerText(), /https:\/\/api\.example\.org/);
  assert.match(await writer.innerText(), /Old version serving/);
  assert.doesNotMatch(await writer.locator("dl").innerText(), /api\.example\.org/);
  await shot(page, "11-plugins-pending-upgrade");
  // (The reload closed the panels.)
  await writer.getByRole("button", { name: "History of writer" }).click();
  await writer.getByRole("button", { name: "Eval reports of writer" }).click();
  await rows.first().waitFor();
  assert.equal(await rows.count(), 1);

  // A reviewer sees what waits but cannot confirm it; the page fits 375 px.
  host.cli(["users", "add", "paul", "--role", "reviewer"], { DAILYX_NEW_PASSWORD: REVIEWER_PASSWORD });
  const narrow = await newPage({ width: 375, height: 812 });
  await login(narrow, "paul", REVIEWER_PASSWORD);
  await narrow.goto(`${host.base}/plugins`);
  await narrow.locator(".pending-upgrade[data-component='writer']").waitFor();
  assert.equal(await narrow.getByRole("button", { name: /Confirm upgrade/ }).count(), 0);
  const reviewerWriter = narrow.locator("article.plugin[data-component='writer']");
  await reviewerWriter.getByRole("button", { name: "History of writer" }).click();
  await reviewerWriter.getByRole("region", { name: "writer history table" }).locator("tbody tr").first().waitFor();
  await reviewerWriter.getByRole("button", { name: "Eval reports of writer" }).click();
  await reviewerWriter.locator(".eval-case").first().waitFor();
  const overflow = await narrow.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the plugins page scrolls sideways by ${overflow}px at 375px`);
  await shot(narrow, "12-plugins-reviewer-375px");
  await narrow.context().close();

  // The admin confirms: the dialog says what will be allowed; the writer now has the origin.
  await pending.getByRole("button", { name: "Confirm upgrade of writer" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.waitFor();
  assert.match(await dialog.innerText(), /will be allowed/);
  assert.match(await dialog.innerText(), /https:\/\/api\.example\.org/);
  await dialog.getByRole("button", { name: "Confirm and activate" }).click();
  await page.getByRole("status").filter({ hasText: "writer 0.2.0 confirmed" }).waitFor({ timeout: 90_000 });
  assert.equal(await page.locator(".pending-upgrade").count(), 0);
  await writer.locator("h2").filter({ hasText: "0.2.0" }).waitFor();
  assert.match(await writer.locator("dl").innerText(), /https:\/\/api\.example\.org/);
  // The open history follows: 0.2.0, confirmed by admin, serves; 0.1.0 can be restored.
  await rows.first().filter({ hasText: "0.2.0" }).waitFor();
  assert.equal(await rows.count(), 2);
  assert.match(await rows.first().innerText(), /admin/);
  assert.match(await rows.first().innerText(), /Serving/);
  // The eval gate ran the golden set against 0.2.0 before it activated.
  await report.filter({ hasText: "0.2.0" }).waitFor();
  assert.equal(await report.getAttribute("data-passed"), "true");
  assert.equal(await report.locator(".eval-case").count(), 3);
  await shot(page, "13-plugins-confirmed");

  // Roll back to 0.1.0: its entry (without the origin) serves again, recorded as a rollback.
  await rows.nth(1).getByRole("button", { name: /Roll back to this version/ }).click();
  await dialog.waitFor();
  assert.match(await dialog.innerText(), /Roll writer back to 0\.1\.0/);
  await dialog.getByRole("button", { name: "Roll back", exact: true }).click();
  await rows.first().filter({ hasText: "rollback" }).waitFor({ timeout: 90_000 });
  assert.equal(await rows.count(), 3);
  assert.match(await rows.first().innerText(), /0\.1\.0/);
  assert.match(await rows.first().innerText(), /Serving/);
  await writer.locator("h2").filter({ hasText: "0.1.0" }).waitFor();
  assert.doesNotMatch(await writer.locator("dl").innerText(), /api\.example\.org/);
  assert.equal(await page.getByRole("alert").count(), 0);
  await shot(page, "14-plugins-rolled-back");
  await page.context().close();
});

test("events: the runs' events, then a new run's live, filtered by kind, older pages; nodes: this one, alive", async () => {
  const page = await newPage();
  await login(page, "admin", ADMIN_PASSWORD);
  // The first run (made at start) is the oldest; its id is what its events are about.
  const firstRun = await page.evaluate(async () => {
    const { runs } = await (await fetch("/api/runs?limit=200")).json();
    return runs[runs.length - 1].id;
  });
  await nav(page).getByRole("link", { name: "Events" }).click();
  await page.getByRole("heading", { name: "Events", level: 1 }).waitFor();
  await page.getByRole("status").filter({ hasText: "Live" }).waitFor();
  const table = page.getByRole("region", { name: "Events table" });
  const rows = table.locator("tbody tr");
  const finished = table.locator("tr[data-kind='step.finished']").first();
  await finished.waitFor();
  assert.match(await finished.innerText(), /\w+: .+\(\d/, "a finished step shows its step, summary and time taken");
  assert.match(await finished.locator(".kind").innerText(), /^step\.finished$/);
  assert.ok((await rows.count()) >= 50, "the newest page of 50");

  // A new run, queued by the API while the page is open: its events arrive without a reload.
  await page.evaluate(() => {
    window.stillTheSamePage = true;
  });
  commit(host.project, [["src/nodes.rs", "feat(nodes): every host heartbeats; dead ones are reported", "pub fn nodes() {}\n"]]);
  const run = await page.evaluate(async () => {
    const { csrf_token } = await (await fetch("/api/auth/csrf")).json();
    const res = await fetch("/api/runs", { method: "POST", headers: { "X-CSRF-Token": csrf_token } });
    return { status: res.status, body: await res.json() };
  });
  assert.equal(run.status, 202);
  const ofRun = (kind) => table.locator(`tr[data-kind='${kind}']:has(code[title='${run.body.id}'])`);
  await ofRun("run.claimed").waitFor({ timeout: 90_000 });
  await ofRun("step.finished").first().waitFor({ timeout: 90_000 });
  await ofRun("run.drafted").waitFor({ timeout: 90_000 });
  // The draft it made is a link to its review page.
  assert.match(await ofRun("run.drafted").locator("a").getAttribute("href"), /^\/drafts\/[\w-]+$/);
  assert.ok((await ofRun("step.finished").count()) >= 8, "every step of the new run arrived");
  assert.equal(await page.evaluate(() => window.stillTheSamePage), true, "the page was not reloaded");
  const ids = await rows.evaluateAll((trs) => trs.map((tr) => Number(tr.dataset.eventId)));
  assert.equal(new Set(ids).size, ids.length, "each event once");
  assert.deepEqual(ids, [...ids].sort((a, b) => b - a), "newest first");
  await shot(page, "15-events-live");

  // One kind: the history from the feed, the first run's finished steps among it.
  await page.getByLabel("Kind").selectOption("step.finished");
  await page.waitForURL(/kind=step\.finished/);
  await page.waitForFunction(
    (first) => {
      const trs = [...document.querySelectorAll("tbody tr")];
      return trs.every((tr) => tr.dataset.kind === "step.finished") && trs.some((tr) => tr.querySelector(`code[title='${first}']`));
    },
    firstRun,
  );
  assert.ok((await rows.count()) >= 24, "the finished steps of the three runs");
  assert.ok((await table.locator(`tr:has(code[title='${run.body.id}'])`).count()) >= 8, "the new run's too");

  // All kinds again; "Load older" pages back to the very first event.
  await page.getByLabel("Kind").selectOption("");
  await rows.nth(49).waitFor();
  const all = await page.evaluate(async () => (await (await fetch("/api/feed?limit=500")).json()).events.map((e) => e.id));
  assert.ok(all.length > 50, `only ${all.length} events`);
  const older = page.getByRole("button", { name: "Load older" });
  for (let pages = 0; (await older.count()) > 0; pages++) {
    assert.ok(pages < 20, "Load older never ended");
    const before = await rows.count();
    await older.click();
    await page.waitForFunction(
      (n) => document.querySelectorAll("tbody tr").length > n || document.body.innerText.includes("No older events."),
      before,
    );
  }
  await page.getByText("No older events.").waitFor();
  const shown = new Set(await rows.evaluateAll((trs) => trs.map((tr) => Number(tr.dataset.eventId))));
  assert.deepEqual(all.filter((id) => !shown.has(id)), [], "every event is on the page");

  // Nodes: this host alone, alive, a worker.
  await nav(page).getByRole("link", { name: "Nodes" }).click();
  await page.getByRole("heading", { name: "Nodes", level: 1 }).waitFor();
  const nodes = page.getByRole("region", { name: "Nodes table" }).locator("tbody tr");
  await nodes.first().waitFor();
  assert.equal(await nodes.count(), 1);
  assert.equal(await nodes.first().getAttribute("data-state"), "alive");
  const node = await nodes.first().innerText();
  assert.match(node, /This node/);
  assert.match(node, /Alive/);
  assert.match(await nodes.first().locator("td").nth(3).innerText(), /\bworker\b/);
  assert.match(node, /\d+ s ago|just now/);
  await shot(page, "16-nodes");
  await page.context().close();

  // Both pages fit 375 px (their tables scroll inside their own region).
  const narrow = await newPage({ width: 375, height: 812 });
  await login(narrow, "admin", ADMIN_PASSWORD);
  for (const [path, ready] of [
    ["/feed", "tbody tr"],
    ["/nodes", "tbody tr"],
  ]) {
    await narrow.goto(`${host.base}${path}`);
    await narrow.locator(ready).first().waitFor();
    const overflow = await narrow.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `${path} scrolls sideways by ${overflow}px at 375px`);
  }
  await shot(narrow, "17-events-375px");
  await narrow.context().close();
});

test("the page reported no errors and no CSP violations", () => {
  assert.deepEqual(pageProblems, []);
});
