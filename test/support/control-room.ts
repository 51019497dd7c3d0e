import type { Browser, Page } from 'playwright-core';
import { startLoad, type RunningLoad } from '../../kit/load';
import type { Stack } from '../../stack/stack';
import { launchChromium } from './browser';

/** A stack's control room, open and ready in Chromium, with balance reads through the API for the charts to draw. */
export interface OpenControlRoom {
  page: Page;
  /** Stops the load and the browser. */
  close(): Promise<void>;
}

export async function openControlRoom(
  stack: Stack,
  o: { overallRate: number; seconds: number; bypassCSP?: boolean },
): Promise<OpenControlRoom> {
  const load: RunningLoad = startLoad({
    url: stack.urls.api,
    requests: [{ method: 'GET', path: '/api/balance' }],
    connections: 10,
    overallRate: o.overallRate,
    seconds: o.seconds,
  });
  let browser: Browser | undefined;
  try {
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 }, bypassCSP: o.bypassCSP });
    const page = await context.newPage();
    await page.goto(stack.urls.controlRoom);
    await page.waitForSelector('body[data-ready="true"]');
    const opened = browser;
    return {
      page,
      close: async () => {
        await load.stop();
        await opened.close();
      },
    };
  } catch (err) {
    await load.stop();
    await browser?.close();
    throw err;
  }
}
