/**
 * Tests in a real browser: Debian's Chromium (`apt-get install -y chromium`) driven by
 * playwright-core. Without it a browser test is skipped with the reason in its name, except under
 * `CI=true`, where it fails (its absence is a broken machine there): `.ci/run` installs Debian's
 * package, and GitHub's ubuntu-24.04 runner image links its Chromium at /usr/bin/chromium
 * (actions/runner-images, images/ubuntu/scripts/build/install-google-chrome.sh).
 */
import { existsSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";

/** Where Debian's `chromium` package puts the browser. */
export const CHROMIUM = "/usr/bin/chromium";

/** `it(name, fn, timeout)` when Chromium is here; otherwise a skip (locally) or a failure (CI). */
export function itInChromium(name: string, fn: () => Promise<void>, timeout?: number): void {
  if (existsSync(CHROMIUM)) {
    it(name, fn, timeout);
  } else if (process.env.CI === "true") {
    it(name, () => {
      throw new Error(`${CHROMIUM} is missing: CI must install it (apt-get install -y chromium)`);
    });
  } else {
    const reason = `no ${CHROMIUM}; apt-get install -y chromium to run it`;
    console.warn(`skipping the browser test "${name}": ${reason}`);
    it.skip(`${name} [skipped: ${reason}]`, fn);
  }
}

/** A page opened from a local file, with every console error, page error and request it made. */
export interface OpenedPage {
  readonly page: Page;
  readonly consoleErrors: string[];
  readonly pageErrors: string[];
  /** URLs the page asked for after it was opened (a self-contained page asks for none). */
  readonly requests: string[];
  close(): Promise<void>;
}

/** Opens `file` in headless Chromium with a `width`×`height` viewport. */
export async function openInChromium(
  file: string,
  width = 1200,
  height = 900,
): Promise<OpenedPage> {
  const browser: Browser = await chromium.launch({ executablePath: CHROMIUM });
  try {
    const page = await browser.newPage({ viewport: { width, height } });
    const consoleErrors: string[] = [];
    const pageErrors: string[] = [];
    const requests: string[] = [];
    const url = pathToFileURL(file).href;
    page.on("console", (m) => {
      if (m.type() === "error") consoleErrors.push(m.text());
    });
    page.on("pageerror", (err) => pageErrors.push(err.message));
    page.on("request", (r) => {
      if (r.url() !== url) requests.push(r.url());
    });
    await page.goto(url, { waitUntil: "load" });
    return { page, consoleErrors, pageErrors, requests, close: () => browser.close() };
  } catch (err) {
    await browser.close();
    throw err;
  }
}
