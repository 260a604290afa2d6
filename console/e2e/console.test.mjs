// The console end to end: Debian's Chromium driven by Playwright against the real host on
// loopback (SQLite, dry-run), drafts made by real pipeline runs. Screenshots go to
// console/e2e-artifacts/ (kept by CI as artifacts).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { launchBrowser, signIn } from "./browser.mjs";
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

async function newPage({ width = 1280, height = 900 } = {}) {
  const context = await browser.newContext({ viewport: { width, height } });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  page.on("pageerror", (e) => pageProblems.push(`page error: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error" && /Content Security Policy|Refused to/.test(m.text())) {
      pageProblems.push(`console: ${m.text()}`);
    }
  });
  return page;
}

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

test("the page reported no errors and no CSP violations", () => {
  assert.deepEqual(pageProblems, []);
});
