import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { createControlRoom } from '../../control-room/app';
import { buildCatalogue } from '../../control-room/catalogue';
import { loadControlRoomConfig } from '../../control-room/config';
import { startGameDay, type RunningGameDay } from '../../gameday/session';
import { waitUntil } from '../../kit/wait';
import { startApp, serveOnFreePort, type TestApp } from '../support/app';
import { openPage, screenshot } from '../support/browser';

/** Nothing listens here (the game-day range 20800-20899): Prometheus, Alertmanager and the risk service are absent. */
const CLOSED = 'http://127.0.0.1:20899';
const TOKEN = 'control-room-game-token-0123456789';

describe('The control room game panel in Chromium, against a running game day', function () {
  this.timeout(60_000);
  let api: TestApp;
  let day: RunningGameDay;
  let room: Awaited<ReturnType<typeof serveOnFreePort>>;
  let browser: Browser;
  let page: Page;
  const tmp = (prefix: string) => fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const text = (selector: string) => page.locator(selector).innerText();

  before(async () => {
    api = await startApp({ CHAOS_TOKEN: TOKEN });
    day = await startGameDay({
      seed: 5,
      rounds: 1,
      roundSeconds: 40,
      cooldownSeconds: 0,
      teams: ['red', 'blue'],
      apiUrl: api.baseUrl,
      prometheusUrl: CLOSED,
      port: 0,
      reportsDir: tmp('gameday-reports-'),
      lockFile: path.join(tmp('gameday-lock-'), 'gameday.pid'),
      loadRate: 0,
      token: TOKEN,
    });
    const config = loadControlRoomConfig({
      API_URL: api.baseUrl,
      RISK_URL: CLOSED,
      PROMETHEUS_URL: CLOSED,
      ALERTMANAGER_URL: CLOSED,
      GAMEDAY_URL: day.url,
    });
    room = await serveOnFreePort({ app: createControlRoom(config, buildCatalogue()), close: () => Promise.resolve() });
    ({ browser, page } = await openPage(room.baseUrl));
  });
  after(async () => {
    await browser?.close();
    await room?.stop();
    day?.stop();
    await day?.done.catch(() => undefined);
    await api?.stop();
  });

  it("shows the open round, scores a team's diagnosis sent from the form on the live leaderboard, refuses a second one, and reveals only with the token", async () => {
    const truth = await waitUntil('the incident is injected', () => day.game.truth(), {
      timeoutMs: 20_000,
      until: (t) => t?.injected_at !== undefined,
    }).then((t) => t!);
    await page.waitForSelector('#game-play:not([hidden])');
    expect(await text('#game-status')).to.match(/^Seed 5: round 1 of 1 open since/);

    await page.selectOption('#game-team', 'red');
    await page.selectOption('#game-family', truth.family);
    await page.selectOption('#game-scope', truth.scope);
    const ago = Math.round((Date.now() - Date.parse(truth.injected_at!)) / 1000);
    await page.fill('#game-started', String(ago));
    await page.click('#game-form button[type="submit"]');
    await page.waitForSelector('#game-message.ok');
    const points = day.game.leaderboard().find((l) => l.team === 'red')!.score;
    expect(points).to.be.greaterThan(50);
    expect(await text('#game-message')).to.equal(`red: ${points} points (family ✓, scope ✓, start ✓)`);
    await page.waitForSelector(`#game-board tr[data-team="red"][data-score="${points}"]`);
    await screenshot(page, 'game');

    await page.click('#game-form button[type="submit"]');
    await page.waitForSelector('#game-message.error');
    expect(await text('#game-message')).to.match(/^Refused \(ALREADY_SOLVED\)/);
    expect(day.game.leaderboard().find((l) => l.team === 'red')!.score).to.equal(points);

    await page.click('#game-reveal');
    await page.waitForSelector('#token-form:not([hidden])');
    expect(day.game.status().round, 'the round is still open').to.equal(1);
    await page.fill('#token', TOKEN);
    await page.click('#token-form button[type="submit"]');
    await page.click('#game-reveal');
    await waitUntil('the round is closed', () => day.game.status().round, {
      timeoutMs: 10_000,
      until: (round) => round === undefined,
    });
    await waitUntil('the page shows the round closed', () => text('#game-status'), {
      timeoutMs: 10_000,
      until: (status) => !status.includes('open since'),
    });
  });
});
