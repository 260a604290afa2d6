// The metrics and weekly report pages end to end, in Debian's Chromium against the real host
// (SQLite, dry-run: nothing is really published, so the real answers are empty; a last test
// stands in for the two GET answers with realistic data to see the charts and a report filled).
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

let host;
let browser;
/** Problems the pages reported (uncaught errors, CSP violations). */
const pageProblems = [];

before(async () => {
  host = await startHost();
  browser = await launchBrowser();
  host.cli(["users", "add", "rita", "--role", "reviewer"], { DAILYX_NEW_PASSWORD: REVIEWER_PASSWORD });
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

const DAY_MS = 86_400_000;
/** `YYYY-MM-DD` (UTC) of a Unix ms. */
const isoDay = (ms) => new Date(ms).toISOString().slice(0, 10);
const todayStart = () => {
  const now = Date.now();
  return now - (now % DAY_MS);
};
/** The Monday (UTC) of the current week. */
function thisMonday() {
  const start = todayStart();
  const back = (new Date(start).getUTCDay() + 6) % 7;
  return isoDay(start - back * DAY_MS);
}
/** How the page writes a day ("Nov 16" in the browser's locale). */
const dayLabel = (page, date) =>
  page.evaluate(
    (d) => new Date(`${d}T00:00:00Z`).toLocaleDateString(undefined, { month: "short", day: "numeric", timeZone: "UTC" }),
    date,
  );

/** The chart whose heading is `title`. */
const chart = (page, title) => page.locator("figure.chart").filter({ has: page.getByRole("heading", { name: title, exact: true }) });

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

test("metrics: a dry-run post is not counted; 30 zero days charted and tabled; Collect now says X is not configured; a reviewer cannot collect", async () => {
  const page = await newPage();
  await login(page, "admin", ADMIN_PASSWORD);

  // A draft published in dry-run: on the draft page it is posted, on the metrics page it is not.
  const first = page.locator(".draft-row").first();
  await first.waitFor({ timeout: 90_000 });
  await first.locator("a.draft-link").click();
  await page.getByRole("heading", { name: "Agent timeline" }).waitFor();
  await page.getByRole("button", { name: /^Approve/ }).click();
  const dialog = page.getByRole("dialog");
  await dialog.waitFor();
  await dialog.getByRole("button", { name: "Approve" }).click();
  await page.locator(".page-head .badge[data-status='dry_run_posted']").waitFor({ timeout: 30_000 });

  await nav(page).getByRole("link", { name: "Metrics" }).click();
  await page.getByRole("heading", { name: "Metrics", level: 1 }).waitFor();
  const empty = page.getByTestId("metrics-empty");
  await empty.waitFor();
  assert.match(await empty.innerText(), /No post was published in the last 30 days/);
  assert.match(await empty.innerText(), /published for real: dry-run and simulated posts are not counted/);
  assert.match(await page.getByTestId("collected-at").innerText(), /not been collected yet/);
  assert.equal(await page.getByLabel("Range").inputValue(), "30");
  for (const fact of ["posts", "impressions", "engagements"]) {
    assert.equal(await page.locator(`.metrics-totals [data-fact='${fact}'] dd`).innerText(), "0", fact);
  }

  // The charts: 30 days, the last one today (UTC), each a bar of zero; named by a summary.
  const days = Array.from({ length: 30 }, (_, i) => isoDay(todayStart() - (29 - i) * DAY_MS));
  const impressions = chart(page, "Impressions per day");
  const img = impressions.getByRole("img");
  const name = await img.getAttribute("aria-label");
  assert.equal(
    name,
    `Impressions per day, 30 days from ${await dayLabel(page, days[0])} to ${await dayLabel(page, days[29])}: 0 impressions in total.`,
  );
  assert.equal(await img.locator("desc").textContent(), name);
  assert.equal(await img.locator(":scope > title").textContent(), "Impressions per day");
  const bars = impressions.locator("rect.chart-bar");
  assert.deepEqual(await bars.evaluateAll((r) => r.map((b) => b.dataset.date)), days);
  assert.deepEqual(await bars.evaluateAll((r) => r.map((b) => Number(b.getAttribute("height")))), days.map(() => 0));
  // Labelled along the axis: today last, and evenly back from it; "nothing" said in the middle.
  const xLabels = await impressions.locator(".chart-x-labels text").allTextContents();
  assert.ok(xLabels.length >= 3, JSON.stringify(xLabels));
  assert.equal(xLabels[xLabels.length - 1], await dayLabel(page, days[29]));
  assert.equal(await impressions.locator("text.chart-empty").textContent(), "No impressions on these days");
  assert.equal(await chart(page, "Engagements per day").locator("circle.chart-dot").count(), 30);
  assert.match(
    await chart(page, "Posts per day").getByRole("img").getAttribute("aria-label"),
    /^Posts per day, 30 days from .+: 0 posts in total\.$/,
  );

  // The numbers as a table: 30 rows of zeros.
  const toggle = impressions.getByRole("button", { name: /^(Show|Hide) the numbers of impressions per day$/ });
  assert.match(await toggle.innerText(), /^Show the numbers/);
  assert.equal(await toggle.getAttribute("aria-expanded"), "false");
  assert.equal(await impressions.getByRole("table").count(), 0);
  await toggle.click();
  assert.equal(await toggle.getAttribute("aria-expanded"), "true");
  assert.match(await toggle.innerText(), /^Hide the numbers/);
  const table = impressions.getByRole("table", { name: "Impressions per day" });
  const rows = table.locator("tbody tr");
  assert.equal(await rows.count(), 30);
  assert.deepEqual(await rows.evaluateAll((trs) => trs.map((tr) => tr.dataset.date)), days);
  assert.deepEqual(
    await rows.locator("td").allInnerTexts(),
    days.map(() => "0"),
  );
  assert.equal(await table.getByRole("columnheader").nth(1).innerText(), "Impressions");
  await shot(page, "30-metrics-empty");

  // A shorter range: 7 days, in the address too.
  await page.getByLabel("Range").selectOption("7");
  await impressions.getByRole("img", { name: /^Impressions per day, 7 days from / }).waitFor();
  assert.match(page.url(), /\/metrics\?days=7$/);
  assert.equal(await bars.count(), 7);
  assert.equal(await rows.count(), 7, "the table follows the range");

  // Collect now: this host has no X credentials, and the page says so plainly.
  await page.getByRole("button", { name: "Collect now" }).click();
  const result = page.getByRole("status").filter({ hasText: "X is not configured" });
  await result.waitFor();
  assert.match(await result.innerText(), /X is not configured on this host: without X's credentials there are no metrics to read/);
  assert.equal(await result.getByRole("link", { name: "Set X's credentials" }).getAttribute("href"), "/credentials");
  assert.equal(await page.getByRole("alert").count(), 0);
  assert.equal(await page.getByRole("button", { name: "Collect now" }).isEnabled(), true);
  await shot(page, "31-metrics-collect-not-configured");
  await page.context().close();

  // A reviewer sees the page, without "Collect now" (and the API refuses it); it fits 375 px.
  const narrow = await newPage({ width: 375, height: 812 });
  await login(narrow, "rita", REVIEWER_PASSWORD);
  await nav(narrow).getByRole("link", { name: "Metrics" }).click();
  await narrow.getByTestId("metrics-empty").waitFor();
  await chart(narrow, "Posts per day").getByRole("img").waitFor();
  assert.equal(await narrow.getByRole("button", { name: "Collect now" }).count(), 0);
  const refused = await narrow.evaluate(async () => {
    const csrf = (await (await fetch("/api/auth/csrf")).json()).csrf_token;
    const res = await fetch("/api/metrics/collect", {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf ?? "" },
      body: "{}",
    });
    return { status: res.status, code: (await res.json()).error?.code };
  });
  assert.deepEqual(refused, { status: 403, code: "forbidden" });
  // The chart is as wide as its card, not wider.
  const widths = await chart(narrow, "Impressions per day").evaluate((fig) => ({
    svg: fig.querySelector("svg").getBoundingClientRect().right,
    figure: fig.getBoundingClientRect().right,
  }));
  assert.ok(widths.svg <= widths.figure + 0.5, `the chart overflows its box: ${JSON.stringify(widths)}`);
  await chart(narrow, "Impressions per day").getByRole("button", { name: /^Show the numbers/ }).click();
  assert.ok((await overflow(narrow)) <= 0, `/metrics scrolls sideways by ${await overflow(narrow)}px at 375px`);
  await shot(narrow, "32-metrics-reviewer-375px");
  await narrow.context().close();
});

test("weekly reports: an admin builds this week's (0 drafts, 0 impressions); a Tuesday is refused with the server's reason; a reviewer only reads", async () => {
  const monday = thisMonday();
  const tuesday = isoDay(Date.parse(`${monday}T00:00:00Z`) + DAY_MS);
  const page = await newPage();
  await login(page, "admin", ADMIN_PASSWORD);
  await nav(page).getByRole("link", { name: "Weekly reports" }).click();
  await page.getByRole("heading", { name: "Weekly reports", level: 1 }).waitFor();
  const week = page.getByLabel("Week starting (a Monday)");
  assert.equal(await week.getAttribute("type"), "date");
  assert.match(await page.locator("#report-week-hint").innerText(), /empty for the last complete week/);

  await week.fill(monday);
  await page.getByRole("button", { name: "Build report" }).click();
  const news = page.getByTestId("report-announcement");
  await news.filter({ hasText: "Built the report of the week of" }).waitFor();
  assert.match(await news.innerText(), /: 0 drafts, 0 impressions\.$/);
  assert.equal(await news.getAttribute("role"), "status");
  const card = page.locator(`article.report[data-week='${monday}']`);
  await card.waitFor();
  // Newest week first: this week's is at the top.
  assert.equal(await page.locator("article.report").first().getAttribute("data-week"), monday);
  assert.equal(await card.locator("[data-fact='drafts'] dd").innerText(), "0");
  assert.equal(await card.locator("[data-fact='impressions'] dd").innerText(), "0");
  assert.equal(await card.locator("[data-fact='posts'] dd").innerText(), "0");
  assert.match(await card.locator("[data-fact='engagement-rate'] dd").textContent(), /none \(no impressions\)/);
  assert.match(await card.getByTestId("top-post").innerText(), /No post with metrics this week/);
  assert.match(await card.innerText(), /None published for real/);
  const heading = await card.getByRole("heading", { level: 2 }).innerText();
  assert.match(heading, new RegExp(`^Week of ${await dayLabel(page, monday)}, \\d{4} to `));
  assert.equal(await page.getByRole("alert").count(), 0);
  await shot(page, "33-report-built");

  // Built again, it is replaced, not listed twice.
  await page.getByRole("button", { name: "Build report" }).click();
  await page.getByRole("button", { name: "Build report" }).and(page.locator(":enabled")).waitFor();
  assert.equal(await page.locator(`article.report[data-week='${monday}']`).count(), 1);

  // A Tuesday: the server refuses it and says why; nothing is added.
  const before = await page.locator("article.report").count();
  await week.fill(tuesday);
  await page.getByRole("button", { name: "Build report" }).click();
  const alert = page.getByRole("alert");
  await alert.waitFor();
  assert.match(await alert.innerText(), new RegExp(`${tuesday} is not a Monday`));
  assert.equal(await page.locator(`article.report[data-week='${tuesday}']`).count(), 0);
  assert.equal(await page.locator("article.report").count(), before);
  await shot(page, "34-report-not-a-monday");
  await alert.getByRole("button", { name: "Dismiss" }).click();
  assert.equal(await page.getByRole("alert").count(), 0);
  await page.context().close();

  // The report is on the server: a reviewer sees it, without the form; it fits 375 px.
  const narrow = await newPage({ width: 375, height: 812 });
  await login(narrow, "rita", REVIEWER_PASSWORD);
  await nav(narrow).getByRole("link", { name: "Weekly reports" }).click();
  await narrow.locator(`article.report[data-week='${monday}']`).waitFor();
  assert.equal(await narrow.getByRole("button", { name: "Build report" }).count(), 0);
  assert.equal(await narrow.getByLabel("Week starting (a Monday)").count(), 0);
  assert.ok((await overflow(narrow)) <= 0, `/reports scrolls sideways by ${await overflow(narrow)}px at 375px`);
  await shot(narrow, "35-reports-reviewer-375px");
  await narrow.context().close();
});

// --- With data: the two GET answers stood in for (dry-run publishes nothing for real). ---

/** Seven days ending today; posts on three of them, on X (with metrics) and Mastodon. */
function metricsFixture(n) {
  const start = todayStart();
  const daily = Array.from({ length: n }, (_, i) => ({
    date: isoDay(start - (n - 1 - i) * DAY_MS),
    posts: 0,
    impressions: 0,
    engagements: 0,
  }));
  const posts = [];
  const texts = {
    1: "Persistent compile cache: cold starts go from 2.1 s to 26 ms. Here is how the cache key is built and why it survives upgrades.",
    2: "The memory limit is now enforced when a component grows its table, not only at instantiation.",
    4: "Changelog for 0.2.0: the compile cache, memory limits and a faster policy check.",
  };
  const metrics = {
    1: { impressions: 1800, likes: 41, reposts: 9, replies: 7, quotes: 3, bookmarks: 12 },
    2: { impressions: 950, likes: 20, reposts: 5, replies: 3, quotes: 1, bookmarks: 2 },
    4: { impressions: 1460, likes: 37, reposts: 7, replies: 4, quotes: 2, bookmarks: 0 },
  };
  for (const back of [1, 2, 4]) {
    const d = daily[n - 1 - back];
    const at = start - back * DAY_MS + 9 * 3_600_000;
    const m = metrics[back];
    const draft = `draft-fixture-${back}`;
    posts.push(
      { draft_id: draft, provider: "x", position: 0, remote_id: `18${back}0000000000000000`, text: texts[back], posted_at: at, metrics: m },
      { draft_id: draft, provider: "mastodon", position: 0, remote_id: `11${back}000`, text: texts[back], posted_at: at + 60_000, metrics: null },
    );
    d.posts = 2;
    d.impressions = m.impressions;
    d.engagements = m.likes + m.reposts + m.replies + m.quotes + m.bookmarks;
  }
  posts.sort((a, b) => b.posted_at - a.posted_at);
  return { posts, daily, collected_at: Date.now() - 5 * 60_000 };
}

function reportsFixture(metrics) {
  const monday = thisMonday();
  const prev = isoDay(Date.parse(`${monday}T00:00:00Z`) - 7 * DAY_MS);
  const x = metrics.posts.filter((p) => p.provider === "x");
  const totals = { impressions: 0, likes: 0, reposts: 0, replies: 0, quotes: 0, bookmarks: 0 };
  for (const p of x) for (const k of Object.keys(totals)) totals[k] += p.metrics[k];
  const engagements = totals.likes + totals.reposts + totals.replies + totals.quotes + totals.bookmarks;
  return [
    {
      week_start: monday,
      week_end: isoDay(Date.parse(`${monday}T00:00:00Z`) + 7 * DAY_MS),
      posts_by_provider: { mastodon: 3, x: 3 },
      drafts: 3,
      totals,
      engagement_rate: engagements / totals.impressions,
      top_post: x.find((p) => p.metrics.impressions === 1800),
      posts: metrics.posts,
      built_at: Date.now() - 60_000,
    },
    {
      week_start: prev,
      week_end: monday,
      posts_by_provider: {},
      drafts: 0,
      totals: { impressions: 0, likes: 0, reposts: 0, replies: 0, quotes: 0, bookmarks: 0 },
      engagement_rate: 0,
      top_post: null,
      posts: [],
      built_at: Date.now() - 3 * DAY_MS,
    },
  ];
}

async function standIn(page) {
  const asked = [];
  await page.route(
    (url) => url.pathname === "/api/metrics/posts",
    (route) => {
      const days = Number(new URL(route.request().url()).searchParams.get("days") ?? 30);
      asked.push(days);
      return route.fulfill({ json: metricsFixture(days) });
    },
  );
  await page.route(
    (url) => url.pathname === "/api/reports/weekly",
    (route) => (route.request().method() === "GET" ? route.fulfill({ json: reportsFixture(metricsFixture(7)) }) : route.fallback()),
  );
  return asked;
}

test("with data (the GET answers stood in for): bars and summaries follow the numbers; the report shows the engagement rate and top post", async () => {
  const page = await newPage({ bypassCSP: false });
  await login(page, "admin", ADMIN_PASSWORD);
  const asked = await standIn(page);
  const fixture = metricsFixture(7);
  const [d1, d2, d4] = [1, 2, 4].map((back) => fixture.daily[6 - back].date);
  await page.goto(`${host.base}/metrics?days=7`);
  const impressions = chart(page, "Impressions per day");
  const img = impressions.getByRole("img");
  await img.waitFor();
  assert.deepEqual(asked, [7]);
  const first = await dayLabel(page, fixture.daily[0].date);
  const last = await dayLabel(page, fixture.daily[6].date);
  assert.equal(
    await img.getAttribute("aria-label"),
    `Impressions per day, 7 days from ${first} to ${last}: 4,210 impressions in total; the highest, 1,800, on ${await dayLabel(page, d1)}; 4 days with none.`,
  );
  // Bars as tall as their numbers: three drawn, the 1,800 day the tallest, in proportion.
  const heights = Object.fromEntries(
    await impressions.locator("rect.chart-bar").evaluateAll((r) => r.map((b) => [b.dataset.date, Number(b.getAttribute("height"))])),
  );
  assert.equal(Object.keys(heights).length, 7);
  assert.equal(Object.values(heights).filter((h) => h > 0).length, 3);
  assert.ok(heights[d1] > heights[d4] && heights[d4] > heights[d2] && heights[d2] > 0, JSON.stringify(heights));
  assert.ok(Math.abs(heights[d1] / heights[d2] - 1800 / 950) < 0.01, JSON.stringify(heights));
  assert.equal(await impressions.locator(`rect[data-date='${d1}'] title`).textContent(), `${await dayLabel(page, d1)}: 1,800 impressions`);
  assert.equal(
    await chart(page, "Engagements per day").getByRole("img").getAttribute("aria-label"),
    `Engagements per day, 7 days from ${first} to ${last}: 153 engagements in total; the highest, 72, on ${await dayLabel(page, d1)}; 4 days with none.`,
  );
  assert.match(
    await chart(page, "Posts per day").getByRole("img").getAttribute("aria-label"),
    /: 6 posts in total; the highest, 2, on .+; 4 days with none\.$/,
  );
  // The same numbers as a table.
  await impressions.getByRole("button", { name: /^Show the numbers/ }).click();
  assert.equal(await impressions.locator(`tr[data-date='${d1}'] td`).innerText(), "1,800");
  assert.equal(await impressions.locator(`tr[data-date='${d4}'] td`).innerText(), "1,460");
  // Totals, "Last collected", and the posts, newest first, linked to their drafts.
  assert.equal(await page.locator(".metrics-totals [data-fact='impressions'] dd").innerText(), "4,210");
  assert.equal(await page.locator(".metrics-totals [data-fact='engagements'] dd").innerText(), "153");
  assert.match(await page.locator(".metrics-totals [data-fact='engagement-rate'] dd").innerText(), /^3\.63\s?%$/);
  assert.match(await page.getByTestId("collected-at").innerText(), /^Last collected 5 minutes ago$/);
  assert.equal(await page.getByTestId("metrics-empty").count(), 0);
  const posts = page.getByRole("region", { name: "Published posts table" }).locator("tbody tr");
  assert.equal(await posts.count(), 6);
  assert.deepEqual(await posts.evaluateAll((trs) => trs.map((tr) => tr.dataset.provider)), ["mastodon", "x", "mastodon", "x", "mastodon", "x"]);
  const xRow = posts.nth(1);
  assert.equal(await xRow.getByRole("link").getAttribute("href"), "/drafts/draft-fixture-1");
  assert.match(await xRow.getByRole("link").innerText(), /^Persistent compile cache: .+…$/);
  assert.deepEqual(await xRow.locator("td.num").allInnerTexts(), ["1,800", "41", "9", "7", "3", "12"]);
  assert.match(await posts.nth(0).innerText(), /Mastodon[\s\S]*No metrics reported/);
  await shot(page, "36-metrics-with-data");

  // The weekly report: rate as a percentage, posts per provider, the top post, all posts.
  await nav(page).getByRole("link", { name: "Weekly reports" }).click();
  const card = page.locator(`article.report[data-week='${thisMonday()}']`);
  await card.waitFor();
  assert.equal(await page.locator("article.report").count(), 2);
  assert.equal(await page.locator("article.report").first().getAttribute("data-week"), thisMonday());
  assert.match(await card.locator("[data-fact='engagement-rate'] dd").innerText(), /^3\.63\s?%$/);
  assert.equal(await card.locator("[data-fact='impressions'] dd").innerText(), "4,210");
  assert.equal(await card.locator("[data-fact='engagements'] dd").innerText(), "153");
  assert.equal(await card.locator("[data-fact='drafts'] dd").innerText(), "3");
  assert.equal(await card.locator("[data-fact='posts'] dd").innerText(), "6");
  assert.deepEqual(await card.locator(".provider-counts li").allInnerTexts(), ["Mastodon 3", "X 3"]);
  assert.match(await card.getByTestId("engagement-split").innerText(), /98 likes · 21 reposts · 14 replies · 6 quotes · 14 bookmarks/);
  const top = card.getByTestId("top-post");
  assert.match(await top.innerText(), /Persistent compile cache: cold starts go from 2\.1 s to 26 ms/);
  assert.match(await top.innerText(), /1,800 impressions on X/);
  assert.equal(await top.getByRole("link").getAttribute("href"), "/drafts/draft-fixture-1");
  const all = card.locator("details.report-posts");
  assert.equal(await all.getAttribute("open"), null, "the posts start folded");
  await all.locator("summary").click();
  await all.locator("li.report-post").first().waitFor();
  assert.equal(await all.locator("li.report-post").count(), 6);
  assert.match(await all.locator("li.report-post[data-provider='x']").first().innerText(), /1,800 impressions · 72 engagements/);
  const older = page.locator("article.report").nth(1);
  assert.match(await older.locator("[data-fact='engagement-rate'] dd").textContent(), /none \(no impressions\)/);
  assert.equal(await older.locator("details.report-posts").count(), 0);
  await shot(page, "37-report-with-data");
  await page.context().close();

  // Filled, both pages pass axe and fit 375 px, light and dark.
  const found = {};
  for (const [label, viewport, colorScheme] of [
    ["desktop, dark", { width: 1280, height: 900 }, "dark"],
    ["375 px, light", { width: 375, height: 812 }, "light"],
    ["375 px, dark", { width: 375, height: 812 }, "dark"],
  ]) {
    const p = await newPage({ ...viewport, colorScheme, bypassCSP: true });
    await login(p, "admin", ADMIN_PASSWORD);
    await standIn(p);
    await p.goto(`${host.base}/metrics?days=7`);
    await chart(p, "Impressions per day").locator("rect.chart-bar[height]:not([height='0'])").first().waitFor();
    await chart(p, "Posts per day").getByRole("button", { name: /^Show the numbers/ }).click();
    let v = await violations(p);
    if (v.length) found[`/metrics (${label})`] = v;
    const mo = await overflow(p);
    if (mo > 0) found[`/metrics (${label})`] = [...(found[`/metrics (${label})`] ?? []), `scrolls sideways by ${mo}px`];
    await p.goto(`${host.base}/reports`);
    await p.locator("details.report-posts summary").first().click();
    await p.locator("li.report-post").first().waitFor();
    v = await violations(p);
    if (v.length) found[`/reports (${label})`] = v;
    const ro = await overflow(p);
    if (ro > 0) found[`/reports (${label})`] = [...(found[`/reports (${label})`] ?? []), `scrolls sideways by ${ro}px`];
    if (label === "375 px, dark") await shot(p, "38-report-with-data-375px-dark");
    await p.context().close();
  }
  assert.deepEqual(found, {}, JSON.stringify(found, null, 2));
});

test("the metrics pages reported no errors and no CSP violations", () => {
  assert.deepEqual(pageProblems, []);
});
