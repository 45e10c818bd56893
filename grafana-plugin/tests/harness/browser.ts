/**
 * Debian's Chromium (no browser download) on the harness page, as every browser test opens it: headless,
 * offline except the harness server, page errors collected, waiting until the harness is ready.
 */
import { type Browser, chromium, type Page } from 'playwright-core';
import { type HarnessServer, startHarnessServer } from './server';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export interface HarnessPage {
  server: HarnessServer;
  browser: Browser;
  page: Page;
  /** Uncaught page errors and console errors so far. */
  errors: string[];
  close(): Promise<void>;
}

export async function openHarness(pluginDir: string, harnessOut: string): Promise<HarnessPage> {
  const server = await startHarnessServer(pluginDir, harnessOut);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    timeout: 60_000,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const close = async () => {
    await browser.close();
    await server.close();
  };
  const errors: string[] = [];
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 }, deviceScaleFactor: 2 });
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => {
      if (m.type() === 'error') {
        errors.push(m.text());
      }
    });
    // Never reach outside the harness server.
    await page.route('**/*', (route) =>
      route.request().url().startsWith(server.url) ? route.continue() : route.abort(),
    );
    await page.goto(`${server.url}/`);
    await page.waitForFunction(
      () => document.body.dataset.ready === 'true' || !!document.body.dataset.error,
      null,
      { timeout: 60_000 },
    );
    const error = await page.evaluate(() => document.body.dataset.error);
    if (error) {
      throw new Error(`harness failed: ${error}`);
    }
    return { server, browser, page, errors, close };
  } catch (err) {
    await close();
    throw err;
  }
}
