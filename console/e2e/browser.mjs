// Debian's Chromium under Playwright, as every browser test starts it, and the login steps.
import { chromium } from "playwright-core";

/** Debian's Chromium, headless; without the background-networking flags it keeps trying to
 * reach Google's hosts, which this machine's closed network refuses. Playwright gives every
 * launch a fresh temporary profile. */
export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
}

/** Signs in on the login page at `base`. */
export async function signIn(page, base, username, password) {
  await page.goto(`${base}/`);
  await page.getByLabel("User name").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/** A page in a context of its own (`width`, `height`, `colorScheme`, `bypassCSP`) that records
 * what it reports (uncaught errors, CSP violations) in `problems`, which a test then asserts
 * is empty. */
export async function openPage(browser, problems, { width = 1280, height = 900, colorScheme = "light", bypassCSP = false } = {}) {
  const context = await browser.newContext({ viewport: { width, height }, colorScheme, bypassCSP });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error" && /Content Security Policy|Refused to/.test(m.text())) {
      problems.push(`console: ${m.text()}`);
    }
  });
  return page;
}
