import fs from 'node:fs';
import path from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { projectRoot } from '../../lib/paths';

/** Where the browser tests leave their screenshots (gitignored; named in the README). */
export const SCREENSHOT_DIR = path.join(projectRoot, 'artifacts', 'screenshots');

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-gpu'],
  });
}

export interface WatchedPage {
  context: BrowserContext;
  page: Page;
  /** Console errors and uncaught exceptions seen so far, with the URL they came from. */
  errors: Array<{ text: string; url: string }>;
  /** Full-page screenshots at desktop and phone width, then back to desktop. */
  snap(name: string): Promise<void>;
}

/**
 * A fresh browser context (its own cookies and storage) whose console is watched: a test fails on any error
 * a shopper's browser would log, except those `allow` explains (an endpoint another issue has not landed yet).
 */
export async function openPage(browser: Browser, baseURL: string): Promise<WatchedPage> {
  // Reduced motion: the pages honour it (charts draw without animating), so screenshots show finished pages.
  const context = await browser.newContext({ baseURL, viewport: DESKTOP, locale: 'en-GB', timezoneId: 'Europe/London', reducedMotion: 'reduce' });
  const page = await context.newPage();
  const errors: WatchedPage['errors'] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push({ text: msg.text(), url: msg.location().url });
  });
  page.on('pageerror', (err) => errors.push({ text: `uncaught: ${err.message}`, url: page.url() }));
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  return {
    context,
    page,
    errors,
    async snap(name) {
      for (const [label, size] of [['desktop', DESKTOP], ['phone', PHONE]] as const) {
        await page.setViewportSize(size);
        await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}-${label}.png`), fullPage: true });
      }
      await page.setViewportSize(DESKTOP);
    },
  };
}

/**
 * The shipping-quotes endpoint comes with the shipping issue; until it is mounted the checkout falls back to
 * free standard delivery, and Chromium logs the 404 of that one request. Nothing else is excused.
 */
export function unexpectedErrors(errors: WatchedPage['errors']): WatchedPage['errors'] {
  return errors.filter((e) => !(/\/api\/shipping\/quotes$/.test(e.url) && /status of 404/.test(e.text)));
}
