// Every page checked with axe-core (WCAG 2 A/AA rules) in Debian's Chromium against the real
// host: no serious or critical violation. axe is injected into the page, so this context
// bypasses the host's CSP (the other tests keep it and check it is never violated).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { launchBrowser, signIn } from "./browser.mjs";
import { ADMIN_PASSWORD, startHost } from "./host.mjs";

const axePath = createRequire(import.meta.url).resolve("axe-core/axe.min.js");
let host;
let browser;

before(async () => {
  host = await startHost();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await host?.stop();
});

/** The serious and critical violations on the page as it is now. */
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

for (const [label, viewport, colorScheme] of [
  ["desktop, light", { width: 1280, height: 900 }, "light"],
  ["375 px, light", { width: 375, height: 812 }, "light"],
  ["desktop, dark", { width: 1280, height: 900 }, "dark"],
]) {
  test(`every page passes axe's WCAG 2.1 A/AA checks (${label})`, async () => {
    const context = await browser.newContext({ viewport, bypassCSP: true, colorScheme });
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    const found = {};
    const check = async (name) => {
      const v = await violations(page);
      if (v.length) found[name] = v;
    };

    await page.goto(`${host.base}/`);
    await page.getByRole("button", { name: "Sign in" }).waitFor();
    await check("login");
    await signIn(page, host.base, "admin", ADMIN_PASSWORD);
    await page.locator(".draft-row").first().waitFor({ timeout: 90_000 });
    await check("inbox");
    await page.locator("a.draft-link").first().click();
    await page.getByRole("heading", { name: "Agent timeline" }).waitFor();
    await check("review");
    await page.getByRole("button", { name: "Edit" }).click();
    await page.getByLabel("Tweet 1").fill("An edited first tweet for the accessibility check.");
    await page.locator(".diff ins").first().waitFor();
    await check("review while editing");
    await page.getByRole("button", { name: /^Approve/ }).click();
    await page.getByRole("dialog").waitFor();
    await check("approval dialog");
    await page.keyboard.press("Escape");
    for (const [path, ready] of [
      ["/runs", "Runs"],
      ["/plugins", "Plugins"],
      ["/settings", "Settings"],
      ["/audit", "Audit log"],
    ]) {
      await page.goto(`${host.base}${path}`);
      await page.getByRole("heading", { name: ready, level: 1 }).waitFor();
      await page.waitForLoadState("networkidle");
      await check(path);
    }
    // The nodes, metrics and reports pages keep a stream open (never "network idle"): ready
    // with their table, charts or reports.
    await page.goto(`${host.base}/nodes`);
    await page.getByRole("heading", { name: "Nodes", level: 1 }).waitFor();
    await page.getByRole("region", { name: "Nodes table" }).locator("tbody tr").first().waitFor();
    await check("/nodes");
    // Metrics (nothing really published in dry-run): the empty state and zero-day charts, one
    // shown as a table; then "Collect now" answered (X is not configured here).
    await page.goto(`${host.base}/metrics`);
    await page.getByRole("heading", { name: "Metrics", level: 1 }).waitFor();
    await page.getByTestId("metrics-empty").waitFor();
    await page.locator("figure.chart svg[role='img']").nth(2).waitFor();
    await check("/metrics");
    await page.getByRole("button", { name: /^Show the numbers of impressions per day/ }).click();
    await page.getByRole("table", { name: "Impressions per day" }).waitFor();
    await page.getByRole("button", { name: "Collect now" }).click();
    await page.getByRole("status").filter({ hasText: "X is not configured" }).waitFor();
    await check("/metrics (table shown, collected)");
    // Weekly reports: one built now, its posts opened; then a refused week.
    await page.goto(`${host.base}/reports`);
    await page.getByRole("heading", { name: "Weekly reports", level: 1 }).waitFor();
    await page.getByRole("button", { name: "Build report" }).click();
    await page.getByTestId("report-announcement").filter({ hasText: "Built the report" }).waitFor();
    await page.locator("article.report").first().waitFor();
    await check("/reports");
    await page.getByLabel("Week starting (a Monday)").fill("2026-11-17");
    await page.getByRole("button", { name: "Build report" }).click();
    await page.getByRole("alert").waitFor();
    await check("/reports (refused)");
    // The credentials page, with a removal being confirmed.
    await page.goto(`${host.base}/credentials`);
    await page.getByRole("heading", { name: "Credentials", level: 1 }).waitFor();
    // (A provider's slot: the LLM key cannot be set before a base URL it is tied to.)
    const slot = page.locator("form[data-credential='provider.mastodon.access_token']");
    await slot.getByLabel(/^Mastodon: Access token/).fill("masto-accessibility-check-0000");
    await slot.getByRole("button", { name: /^Save/ }).click();
    await slot.getByRole("status").filter({ hasText: "Saved" }).waitFor();
    await check("/credentials");
    await slot.getByRole("button", { name: /^Remove/ }).click();
    await page.getByRole("dialog").waitFor();
    await check("/credentials (removal dialog)");
    await page.getByRole("dialog").getByRole("button", { name: "Remove", exact: true }).click();
    await slot.getByRole("status").filter({ hasText: "Removed" }).waitFor();
    // The providers page keeps a stream open (never "network idle"): ready with its circuits
    // and table; then with a server error shown.
    await page.goto(`${host.base}/providers`);
    await page.getByRole("heading", { name: "Providers", level: 1 }).waitFor();
    await page.locator("li.circuit").first().waitFor();
    await page.getByRole("region", { name: "Providers table" }).locator("tbody tr").first().waitFor();
    await check("/providers");
    await page.getByLabel("Publish to Mastodon").check();
    await page.getByLabel(/^Mastodon: real posts per 24 hours/).fill("5000");
    await page.getByRole("button", { name: "Save providers" }).click();
    await page.getByRole("alert").waitFor();
    await check("/providers (refused)");
    // The events page keeps its stream open (never "network idle"): ready when live with rows.
    await page.goto(`${host.base}/feed`);
    await page.getByRole("heading", { name: "Events", level: 1 }).waitFor();
    await page.getByRole("status").filter({ hasText: "Live" }).waitFor();
    await page.locator("tr[data-kind='step.finished']").first().waitFor();
    await check("/feed");
    await page.getByLabel("Kind").selectOption("component.activated");
    await page.waitForFunction(() => {
      const rows = [...document.querySelectorAll("tbody tr[data-kind]")];
      return rows.length > 0 && rows.every((r) => r.getAttribute("data-kind") === "component.activated");
    });
    await check("/feed (one kind)");
    // The plugins page with a component's history and eval reports open.
    await page.goto(`${host.base}/plugins`);
    const writer = page.locator("article.plugin[data-component='writer']");
    await writer.getByRole("button", { name: "History of writer" }).click();
    await writer.getByRole("button", { name: "Eval reports of writer" }).click();
    await writer.getByRole("region", { name: "writer history table" }).locator("tbody tr").first().waitFor();
    await writer.locator(".eval-case").first().waitFor();
    await writer.locator(".eval-tweets summary").first().click();
    await check("/plugins (history and eval reports)");
    await context.close();
    assert.deepEqual(found, {}, JSON.stringify(found, null, 2));
  });
}
