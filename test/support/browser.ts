/**
 * Debian's Chromium driven by playwright-core, for end-to-end tests. No browser is downloaded:
 * the executable is /usr/bin/chromium (Debian package `chromium`). Playwright's own default
 * switches are turned off (`ignoreDefaultArgs: true`), so Chromium runs with exactly the flags
 * below, a fresh `--user-data-dir` made here, and `--remote-debugging-pipe` (the channel
 * Playwright talks over); Debian's launcher script adds only its packaged defaults from
 * /etc/chromium.d. Test servers use certificates from throwaway CAs; contexts are made
 * with Playwright's `ignoreHTTPSErrors` (per context), never with `--ignore-certificate-errors`.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';

const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const SCREENSHOT_DIR = path.resolve(import.meta.dirname, '../../test-output/e2e');

export interface TestBrowser {
  browser: Browser;
  userDataDir: string;
  /** A new isolated context (own cookies) that accepts the test CAs' certificates. */
  newContext(options?: BrowserContextOptions): Promise<BrowserContext>;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<TestBrowser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} not found: install the Debian package "chromium" (sudo bash .ci/install-browser-test-deps.sh)`);
  }
  const userDataDir = mkdtempSync(path.join(os.tmpdir(), 'authgate-chromium-'));
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    ignoreDefaultArgs: true,
    args: [...CHROMIUM_FLAGS, `--user-data-dir=${userDataDir}`, '--remote-debugging-pipe'],
    timeout: 30_000,
  });
  return {
    browser,
    userDataDir,
    newContext: (options = {}) => browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1000, height: 760 }, ...options }),
    async close() {
      await browser.close().catch(() => undefined);
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Saves a full-page screenshot to test-output/e2e/<name>.png and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** The page's URL and visible text, for failure messages. */
async function describePage(page: Page): Promise<string> {
  const text = await page
    .locator('body')
    .innerText({ timeout: 2000 })
    .catch((error: Error) => `(no text: ${error.message})`);
  return `page ${page.url()}:\n${text.slice(0, 2000)}`;
}

/**
 * Runs one scenario's steps; if they throw, prints the page's text and saves a screenshot named
 * `<name>-failed` before rethrowing. On success the caller takes its own screenshot.
 */
export async function onPage<T>(page: Page, name: string, steps: () => Promise<T>): Promise<T> {
  try {
    return await steps();
  } catch (error) {
    const text = await describePage(page);
    const shot = await screenshot(page, `${name}-failed`).catch(() => '(no screenshot)');
    const report = `scenario ${name} failed on ${text}\nscreenshot: ${shot}`;
    console.error(report);
    if (error instanceof Error) error.message = `${error.message}\n${report}`;
    throw error;
  }
}
