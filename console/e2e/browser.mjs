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
