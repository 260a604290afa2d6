// The nodes page live, in Debian's Chromium against two real host processes on one SQLite
// database: when the second one goes silent (paused with SIGSTOP) the first reports it dead and
// the page says so at once (the node.dead event, not its 5 s refresh); when it comes back
// (SIGCONT) its node.recovered event shows the same way. Heartbeats every second, dead after 3 s.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { launchBrowser, openPage, signIn } from "./browser.mjs";
import { ADMIN_PASSWORD, repoRoot, startHost } from "./host.mjs";

const artifacts = join(repoRoot, "console", "e2e-artifacts");
mkdirSync(artifacts, { recursive: true });

let host;
let peer;
let browser;
/** Problems the pages reported (uncaught errors, CSP violations). */
const pageProblems = [];

before(async () => {
  host = await startHost({ server: ["node_heartbeat_secs = 1", "node_dead_after_secs = 3"] });
  peer = await host.startPeer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  peer?.resume();
  await peer?.stop();
  await host?.stop();
});

const newPage = (options) => openPage(browser, pageProblems, options);

const shot = (page, name) => page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });

test("nodes: a node gone silent is announced dead at once, and alive again when it heartbeats; both are on the events page", async () => {
  const page = await newPage();
  await signIn(page, host.base, "admin", ADMIN_PASSWORD);
  await page.getByTestId("current-user").waitFor();
  await page.goto(`${host.base}/nodes`);
  const rows = page.getByRole("region", { name: "Nodes table" }).locator("tbody tr");
  await rows.nth(1).waitFor();
  assert.equal(await rows.count(), 2);
  const ids = await rows.evaluateAll((trs) => trs.map((tr) => [tr.dataset.nodeId, tr.dataset.state, tr.innerText.includes("This node")]));
  assert.deepEqual(
    ids.map(([, state]) => state),
    ["alive", "alive"],
  );
  const peerId = ids.find(([, , self]) => !self)?.[0];
  assert.ok(peerId, JSON.stringify(ids));
  const news = page.getByTestId("node-announcement");
  assert.equal(await news.getAttribute("role"), "status");
  assert.equal(await news.innerText(), "");
  // Only a live event writes the announcement (the 5 s refresh never does).

  peer.pause();
  await news.filter({ hasText: "stopped heartbeating" }).waitFor({ timeout: 30_000 });
  assert.match(await news.innerText(), new RegExp(`^Node ${peerId} \\(.+\\) stopped heartbeating: it is dead; last seen .+\\.$`));
  await page.locator(`tr[data-node-id='${peerId}'][data-state='dead']`).waitFor({ timeout: 5_000 });
  assert.match(await page.locator(`tr[data-node-id='${peerId}']`).innerText(), /Dead/);
  assert.match(await page.locator(".page-head").innerText(), /1 alive, 1 dead/);
  await shot(page, "40-nodes-dead");

  peer.resume();
  await news.filter({ hasText: "heartbeating again" }).waitFor({ timeout: 30_000 });
  assert.match(await news.innerText(), new RegExp(`^Node ${peerId} \\(.+\\) is heartbeating again: it is alive \\(.+\\)\\.$`));
  await page.locator(`tr[data-node-id='${peerId}'][data-state='alive']`).waitFor({ timeout: 5_000 });

  // Both events on the events page, summarised, linked to the nodes page.
  await page.goto(`${host.base}/feed?kind=node.dead`);
  const dead = page.locator(`tr[data-kind='node.dead']`).first();
  await dead.waitFor();
  assert.match(await dead.innerText(), /stopped heartbeating \(last seen .+\)/);
  assert.equal(await dead.getByRole("link", { name: peerId }).getAttribute("href"), "/nodes");
  await page.goto(`${host.base}/feed?kind=node.recovered`);
  const back = page.locator(`tr[data-kind='node.recovered']`).first();
  await back.waitFor();
  assert.match(await back.innerText(), /heartbeating again/);
  await page.context().close();
});

test("the nodes page reported no errors and no CSP violations", () => {
  assert.deepEqual(pageProblems, []);
});
