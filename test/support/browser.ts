import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's Chromium (scripts/ensure-tools.sh --browser installs it); never a browser download. */
export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

/** Headless Chromium with the flags a root, GPU-less machine needs. */
export function launchChromium(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: run scripts/ensure-tools.sh --browser (apt-get install chromium)`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/** Chromium with the control room page at `url` open, once the page says it is ready. */
export async function openPage(url: string): Promise<{ browser: Browser; page: Page }> {
  const browser = await launchChromium();
  const page = await browser.newPage();
  await page.goto(url);
  await page.waitForSelector('body[data-ready="true"]');
  return { browser, page };
}

/** `make screenshots` sets this: the browser suites then save the page in its main states there. */
const SCREENSHOTS_DIR = process.env['SCREENSHOTS_DIR'];

/** Saves the whole page as SCREENSHOTS_DIR/control-room-<name>.png, when SCREENSHOTS_DIR is set. */
export async function screenshot(page: Page, name: string): Promise<void> {
  if (SCREENSHOTS_DIR === undefined) return;
  fs.mkdirSync(SCREENSHOTS_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS_DIR, `control-room-${name}.png`), fullPage: true });
}
