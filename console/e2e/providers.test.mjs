// The provider pages end to end, in Debian's Chromium against the real host (SQLite, dry-run):
// credentials are write-only (only the mask ever reaches the page), the enabled providers and
// their circuits, and an approved draft's deliveries to two simulated providers.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { launchBrowser, openPage, signIn } from "./browser.mjs";
import { ADMIN_PASSWORD, REVIEWER_PASSWORD, repoRoot, startHost } from "./host.mjs";

const axePath = createRequire(import.meta.url).resolve("axe-core/axe.min.js");
const artifacts = join(repoRoot, "console", "e2e-artifacts");
mkdirSync(artifacts, { recursive: true });

// Long enough to have its last four shown; a tail no other text on the page has.
const MASTODON_TOKEN = "masto-e2e-secret-token-q7Zk4821";
const WEBHOOK_SECRET = "hook-e2e-signing-secret-Vb93";

let host;
let browser;
/** Problems the pages reported (uncaught errors, CSP violations). */
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
const overflow = (page) => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);

test("credentials: an admin sets Mastodon's token and sees only its mask; removal asks first; a reviewer is refused", async () => {
  const page = await newPage();
  await login(page, "admin", ADMIN_PASSWORD);
  await nav(page).getByRole("link", { name: "Credentials" }).click();
  await page.getByRole("heading", { name: "Credentials", level: 1 }).waitFor();
  const mastodon = page.locator("section.integration[data-integration='mastodon']");
  await mastodon.waitFor();
  assert.equal(await mastodon.getAttribute("data-complete"), "false");
  assert.match(await mastodon.innerText(), /Incomplete/);
  assert.match(await mastodon.innerText(), /Not set/);
  // Every integration the host knows, the LLM endpoint among them.
  for (const id of ["llm", "x", "mastodon", "bluesky", "facebook", "instagram", "webhook"]) {
    assert.equal(await page.locator(`section.integration[data-integration='${id}']`).count(), 1, id);
  }

  const slot = mastodon.locator("form[data-credential='provider.mastodon.access_token']");
  const field = slot.getByLabel(/^Mastodon: Access token/);
  assert.equal(await field.getAttribute("type"), "password");
  const save = slot.getByRole("button", { name: /^Save/ });
  assert.equal(await save.isDisabled(), true, "nothing typed, nothing to save");

  // Blank is refused by the server, with its reason.
  await field.fill("   ");
  await save.click();
  assert.match(await slot.getByRole("alert").innerText(), /empty/);

  // Set: the mask and who set it show; the field is cleared.
  await field.fill(MASTODON_TOKEN);
  await save.click();
  await slot.getByRole("status").filter({ hasText: "Saved" }).waitFor();
  assert.equal(await slot.getByTestId("masked").innerText(), `••••${MASTODON_TOKEN.slice(-4)}`);
  assert.match(await slot.locator(".slot-state").innerText(), /admin \(you\)/);
  assert.equal(await slot.getAttribute("data-set"), "true");
  assert.equal(await field.inputValue(), "", "the field is cleared after saving");
  assert.equal(await mastodon.getAttribute("data-complete"), "true");
  assert.match(await mastodon.locator(".integration-head").innerText(), /Complete/);

  // The value is nowhere: not in the page's HTML, not in the API's answer.
  const html = await page.content();
  assert.ok(!html.includes(MASTODON_TOKEN), "the token is in the page's HTML");
  assert.ok(!html.includes(MASTODON_TOKEN.slice(0, -4)), "the token's head is in the page's HTML");
  const answer = await page.evaluate(async () => {
    const res = await fetch("/api/credentials");
    return { status: res.status, text: await res.text() };
  });
  assert.equal(answer.status, 200);
  assert.ok(!answer.text.includes(MASTODON_TOKEN), "the token is in /api/credentials");
  assert.match(answer.text, new RegExp(`••••${MASTODON_TOKEN.slice(-4)}`));
  await shot(page, "20-credentials-set");

  // Another slot, set then removed: the removal is confirmed in a dialog first.
  const webhook = page.locator("form[data-credential='provider.webhook.signing_secret']");
  await webhook.getByLabel(/^Signed webhook: Signing secret/).fill(WEBHOOK_SECRET);
  await webhook.getByRole("button", { name: /^Save/ }).click();
  await webhook.getByTestId("masked").filter({ hasText: `••••${WEBHOOK_SECRET.slice(-4)}` }).waitFor();
  await webhook.getByRole("button", { name: /^Remove/ }).click();
  const dialog = page.getByRole("dialog");
  await dialog.waitFor();
  assert.match(await dialog.innerText(), /Remove Signed webhook: Signing secret/);
  // Focus starts on Cancel (the safe choice).
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), "Cancel");
  await dialog.getByRole("button", { name: "Remove", exact: true }).click();
  await webhook.getByRole("status").filter({ hasText: "Removed" }).waitFor();
  assert.equal(await webhook.getAttribute("data-set"), "false");
  assert.match(await webhook.innerText(), /Not set/);
  assert.equal(await webhook.getByRole("button", { name: /^Remove/ }).count(), 0);
  assert.ok(!(await page.content()).includes(WEBHOOK_SECRET));
  // The mastodon token is still set.
  assert.equal(await slot.getAttribute("data-set"), "true");
  await page.context().close();

  // A reviewer has no Credentials entry, and the API refuses the page.
  host.cli(["users", "add", "cora", "--role", "reviewer"], { DAILYX_NEW_PASSWORD: REVIEWER_PASSWORD });
  const narrow = await newPage({ width: 375, height: 812 });
  await login(narrow, "cora", REVIEWER_PASSWORD);
  assert.equal(await nav(narrow).getByRole("link", { name: "Credentials" }).count(), 0);
  await nav(narrow).getByRole("link", { name: "Providers" }).waitFor();
  await narrow.goto(`${host.base}/credentials`);
  const refused = narrow.getByRole("alert");
  await refused.waitFor();
  assert.match(await refused.innerText(), /needs the admin role/);
  assert.equal(await narrow.locator("section.integration").count(), 0);
  assert.equal(await narrow.evaluate(async () => (await fetch("/api/credentials")).status), 403);
  await shot(narrow, "21-credentials-reviewer-refused");
  await narrow.context().close();
});

test("providers: an admin enables Mastodon and a webhook, simulated; their circuits show; an approved draft reaches both", async () => {
  const page = await newPage();
  await login(page, "admin", ADMIN_PASSWORD);
  await nav(page).getByRole("link", { name: "Providers" }).click();
  await page.getByRole("heading", { name: "Providers", level: 1 }).waitFor();
  const circuits = page.getByRole("list", { name: "Circuits" }).locator("li.circuit");
  // Before: X alone (the built-in publisher).
  await circuits.first().waitFor();
  assert.deepEqual(await circuits.evaluateAll((li) => li.map((l) => l.dataset.provider)), ["x"]);
  const table = page.getByRole("region", { name: "Providers table" });
  const row = (name) => table.locator(`tr[data-provider='${name}']`);
  await row("mastodon").waitFor();
  assert.equal(await row("mastodon").getAttribute("data-enabled"), "false");
  assert.match(await page.getByTestId("dry-run-note").innerText(), /Dry-run is on/);
  // The credential set by the previous test counts.
  assert.match(await row("mastodon").innerText(), /Complete/);
  assert.match(await row("webhook").innerText(), /Missing/);

  const save = page.getByRole("button", { name: "Save providers" });
  assert.equal(await save.isDisabled(), true, "nothing changed, nothing to save");
  await page.getByLabel("Publish to Mastodon").check();
  await page.getByLabel("Simulate Mastodon").check();
  await page.getByLabel("Publish to Signed webhook").check();
  await page.getByLabel("Simulate Signed webhook").check();
  // A budget out of range is refused by the server, with its reason.
  const budget = page.getByLabel(/^Mastodon: real posts per 24 hours/);
  await budget.fill("0");
  await save.click();
  assert.match(await page.getByRole("alert").innerText(), /1 to 1000/);
  await budget.fill("10");
  await save.click();
  await page.getByRole("status").filter({ hasText: "Saved" }).waitFor();
  assert.equal(await page.getByRole("alert").count(), 0);
  assert.equal(await row("mastodon").getAttribute("data-enabled"), "true");
  assert.equal(await row("webhook").getAttribute("data-enabled"), "true");
  assert.equal(await row("bluesky").getAttribute("data-enabled"), "false");

  // The circuits follow: X first, then each enabled provider, all closed.
  await page.locator("li.circuit[data-provider='webhook']").waitFor();
  assert.deepEqual(await circuits.evaluateAll((li) => li.map((l) => [l.dataset.provider, l.dataset.state])), [
    ["x", "closed"],
    ["mastodon", "closed"],
    ["webhook", "closed"],
  ]);
  assert.match(await circuits.nth(1).innerText(), /Closed/);
  assert.match(await circuits.nth(1).innerText(), /0 \/ \d+ failures/);
  await shot(page, "22-providers-enabled");

  // Saved on the server: a fresh page shows the same.
  await page.reload();
  await row("mastodon").waitFor();
  assert.equal(await page.getByLabel("Publish to Mastodon").isChecked(), true);
  assert.equal(await page.getByLabel("Simulate Mastodon").isChecked(), true);
  assert.equal(await budget.inputValue(), "10");
  assert.equal(await page.getByLabel("Simulate Signed webhook").isChecked(), true);
  assert.equal(await page.getByLabel("Publish to Bluesky").isChecked(), false);

  // Approve the first draft; after X (dry-run), both providers get it, simulated, shown live.
  await nav(page).getByRole("link", { name: "Drafts" }).click();
  const first = page.locator(".draft-row").first();
  await first.waitFor({ timeout: 90_000 });
  await first.locator("a.draft-link").click();
  await page.getByRole("heading", { name: "Agent timeline" }).waitFor();
  const deliveries = page.getByRole("region", { name: "Deliveries", exact: true });
  await deliveries.getByText("No deliveries to other providers.").waitFor();
  const tweets = await page.locator(".tweet").count();
  await page.evaluate(() => {
    window.stillTheSamePage = true;
  });
  await page.getByRole("button", { name: /^Approve/ }).click();
  const dialog = page.getByRole("dialog");
  await dialog.waitFor();
  await dialog.getByRole("button", { name: "Approve" }).click();
  await page.locator(".page-head .badge[data-status='dry_run_posted']").waitFor({ timeout: 30_000 });
  for (const provider of ["mastodon", "webhook"]) {
    const item = deliveries.locator(`li.delivery[data-provider='${provider}']`);
    await deliveries.locator(`li.delivery[data-provider='${provider}'][data-status='simulated']`).waitFor({ timeout: 60_000 });
    assert.match(await item.locator(".delivery-head").innerText(), /Simulated/);
    const posts = item.locator("li.provider-post");
    await posts.nth(tweets - 1).waitFor();
    assert.equal(await posts.count(), tweets, `${provider}: one post per tweet`);
    assert.equal(await item.locator("li.provider-post[data-simulated='true']").count(), tweets);
    assert.match(await posts.first().innerText(), /Post 1/);
    assert.match(await posts.first().innerText(), /simulated/);
    // Simulated: nothing to retry.
    assert.equal(await item.getByRole("button", { name: /^Retry/ }).count(), 0);
  }
  // Named as the host names them.
  assert.equal(await deliveries.locator("li.delivery[data-provider='mastodon'] h3").innerText(), "Mastodon");
  assert.equal(await deliveries.locator("li.delivery[data-provider='webhook'] h3").innerText(), "Signed webhook");
  assert.match(await deliveries.locator(".delivery-summary").innerText(), /2 providers: 2 simulated/);
  // What would have been sent: the post's text, as JSON.
  const request = deliveries.locator("li.delivery[data-provider='mastodon'] li.provider-post").first().locator("details");
  await request.locator("summary").click();
  assert.match(await request.locator("pre").innerText(), /"text"/);
  assert.equal(await page.evaluate(() => window.stillTheSamePage), true, "the page was not reloaded");
  assert.ok(!(await page.content()).includes(MASTODON_TOKEN), "the token is not in what was sent");
  await shot(page, "23-draft-deliveries");
  await page.context().close();

  // The provider events are on the events page, linked to the draft.
  const events = await newPage();
  await login(events, "admin", ADMIN_PASSWORD);
  await events.goto(`${host.base}/feed?kind=provider.simulated`);
  const rows = events.getByRole("region", { name: "Events table" }).locator("tbody tr[data-kind='provider.simulated']");
  await rows.first().waitFor();
  assert.ok((await rows.count()) >= 2 * tweets);
  assert.match(await rows.first().innerText(), /(mastodon|webhook)( post \d+)?: simulated/);
  await events.context().close();

  // A reviewer sees the same, without controls to change them; both pages fit 375 px.
  host.cli(["users", "add", "vera", "--role", "reviewer"], { DAILYX_NEW_PASSWORD: REVIEWER_PASSWORD });
  const narrow = await newPage({ width: 375, height: 812 });
  await login(narrow, "vera", REVIEWER_PASSWORD);
  await narrow.goto(`${host.base}/providers`);
  await narrow.locator("li.circuit[data-provider='webhook'][data-state='closed']").waitFor();
  await narrow.getByRole("region", { name: "Providers table" }).locator("tr[data-provider='mastodon']").waitFor();
  assert.equal(await narrow.getByRole("checkbox").count(), 0);
  assert.equal(await narrow.getByRole("button", { name: "Save providers" }).count(), 0);
  assert.ok((await overflow(narrow)) <= 0, `/providers scrolls sideways by ${await overflow(narrow)}px at 375px`);
  await shot(narrow, "24-providers-reviewer-375px");
  await narrow.goto(`${host.base}/drafts?status=dry_run_posted`);
  await narrow.locator(".draft-row a.draft-link").first().click();
  const narrowDeliveries = narrow.getByRole("region", { name: "Deliveries", exact: true });
  await narrowDeliveries.locator("li.delivery[data-status='simulated']").nth(1).waitFor();
  await narrowDeliveries.locator("li.provider-post details summary").first().click();
  assert.ok((await overflow(narrow)) <= 0, `the review page scrolls sideways by ${await overflow(narrow)}px at 375px`);
  await shot(narrow, "25-draft-deliveries-375px");
  await narrow.context().close();
});

test("with the API answering an open circuit and a failed delivery (mocked), the countdown and an admin's Retry show", async () => {
  // The sandbox's providers are all simulated (dry-run): nothing can fail for real here, so
  // these two answers are stood in for; everything else is the real host.
  const page = await newPage();
  await login(page, "admin", ADMIN_PASSWORD);
  await page.route("**/api/circuit-states", (route) =>
    route.fulfill({
      json: [
        { provider: "x", state: "closed", failures: 0, failure_threshold: 5, retry_in_ms: null },
        { provider: "mastodon", state: "open", failures: 5, failure_threshold: 5, retry_in_ms: 45_000 },
      ],
    }),
  );
  await page.goto(`${host.base}/providers`);
  const open = page.locator("li.circuit[data-provider='mastodon'][data-state='open']");
  await open.waitFor();
  assert.match(await open.innerText(), /Open/);
  assert.match(await open.innerText(), /5 \/ 5 failures/);
  await open.getByText(/retry in 4[45] s/).waitFor();
  // It counts down.
  await open.getByText(/retry in 4[0-3] s/).waitFor({ timeout: 10_000 });
  await shot(page, "26-providers-open-circuit");

  const draft = await page.evaluate(async () => (await (await fetch("/api/drafts?status=dry_run_posted")).json()).drafts[0]);
  const failed = {
    deliveries: [
      {
        draft_id: draft.id,
        provider: "mastodon",
        status: "failed",
        detail: "unauthorized: the instance refused the token",
        next_try_at: null,
        updated_at: Date.now(),
      },
    ],
    posts: [],
  };
  const retried = [];
  let current = failed;
  await page.route("**/api/drafts/*/deliveries", (route) => route.fulfill({ json: current }));
  await page.route("**/api/drafts/*/deliveries/*/retry", (route) => {
    retried.push({ url: route.request().url(), method: route.request().method(), csrf: route.request().headers()["x-csrf-token"] });
    current = { ...failed, deliveries: [{ ...failed.deliveries[0], status: "pending", detail: null }] };
    return route.fulfill({ status: 202, json: current });
  });
  await page.goto(`${host.base}/drafts/${draft.id}`);
  const deliveries = page.getByRole("region", { name: "Deliveries", exact: true });
  const item = deliveries.locator("li.delivery[data-provider='mastodon'][data-status='failed']");
  await item.waitFor();
  assert.match(await item.innerText(), /Failed/);
  assert.match(await item.innerText(), /the instance refused the token/);
  await item.getByRole("button", { name: "Retry the delivery to Mastodon" }).click();
  await deliveries.getByRole("status").filter({ hasText: "Mastodon: trying again now." }).waitFor();
  await deliveries.locator("li.delivery[data-provider='mastodon'][data-status='pending']").waitFor();
  assert.equal(retried.length, 1);
  assert.equal(retried[0].method, "POST");
  assert.match(retried[0].url, new RegExp(`/api/drafts/${draft.id}/deliveries/mastodon/retry$`));
  assert.ok(retried[0].csrf, "the retry carries the CSRF token");
  await page.context().close();
});

/** The serious and critical WCAG 2.1 A/AA violations on the page (as accessibility.test.mjs). */
async function violations(page) {
  await page.addScriptTag({ path: axePath });
  const result = await page.evaluate(async () =>
    // eslint-disable-next-line no-undef
    axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } }),
  );
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

test("a draft's deliveries pass axe's WCAG 2.1 A/AA checks (desktop and 375 px, light and dark)", async () => {
  const found = {};
  for (const [label, viewport, colorScheme] of [
    ["desktop, light", { width: 1280, height: 900 }, "light"],
    ["375 px, light", { width: 375, height: 812 }, "light"],
    ["desktop, dark", { width: 1280, height: 900 }, "dark"],
  ]) {
    // axe is injected into the page: this context bypasses the host's CSP.
    const context = await browser.newContext({ viewport, bypassCSP: true, colorScheme });
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    await signIn(page, host.base, "admin", ADMIN_PASSWORD);
    await page.getByTestId("current-user").waitFor();
    await page.goto(`${host.base}/drafts?status=dry_run_posted`);
    await page.locator(".draft-row a.draft-link").first().click();
    const deliveries = page.getByRole("region", { name: "Deliveries", exact: true });
    await deliveries.locator("li.delivery[data-status='simulated']").nth(1).waitFor();
    await deliveries.locator("li.provider-post details summary").first().click();
    const v = await violations(page);
    if (v.length) found[label] = v;
    await context.close();
  }
  assert.deepEqual(found, {}, JSON.stringify(found, null, 2));
});

test("the provider pages reported no errors and no CSP violations", () => {
  assert.deepEqual(pageProblems, []);
});
