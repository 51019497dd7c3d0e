import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import supertest from 'supertest';
import { projectRoot } from '../../app/paths';
import { createControlRoom } from '../../control-room/app';
import { buildCatalogue } from '../../control-room/catalogue';
import { loadControlRoomConfig } from '../../control-room/config';
import { GameHost, gamePlace } from '../../control-room/game-host';
import { takeGameLock } from '../../gameday/lock';
import { waitUntil } from '../../kit/wait';
import { startApp, serveOnFreePort, type TestApp } from '../support/app';
import { openPage, screenshot } from '../support/browser';

/** Ports of this file (21200-21299): nothing listens on CLOSED. */
const CLOSED = 'http://127.0.0.1:21299';
const GAME_PORT = 21201;
const TOKEN = 'control-room-start-token-0123456789';
const auth = { authorization: `Bearer ${TOKEN}` };
const tmp = (prefix: string) => fs.mkdtempSync(path.join(os.tmpdir(), prefix));

type FaultView = { faults: Record<string, { active: boolean }> };
/** The faults on in the API, as the facilitator (with the token) reads them. */
async function activeFaults(api: TestApp): Promise<string[]> {
  const { faults } = (await api.request.get('/api/failures').set(auth).expect(200)).body as FaultView;
  return Object.keys(faults).filter((name) => faults[name]?.active);
}
/** True while something answers the game's endpoints on `port`. */
const gameAnswers = (port: number) =>
  fetch(`http://127.0.0.1:${port}/game`).then(
    (r) => r.ok,
    () => false,
  );

describe('Starting a game from the control room', function () {
  this.timeout(90_000);
  let api: TestApp;
  let reports: string;
  let lockFile: string;
  let room: Awaited<ReturnType<typeof serveOnFreePort>>;
  let games: GameHost;
  /** The control room's settings: this API, nothing else reachable, its game on `gamePort`. */
  const roomEnv = (gamePort: number) => ({
    API_URL: api.baseUrl,
    RISK_URL: CLOSED,
    PROMETHEUS_URL: CLOSED,
    ALERTMANAGER_URL: CLOSED,
    GAMEDAY_URL: `http://127.0.0.1:${gamePort}`,
    CHAOS_TOKEN: TOKEN,
  });

  before(async () => {
    api = await startApp({ CHAOS_TOKEN: TOKEN });
    reports = tmp('control-room-game-reports-');
    lockFile = path.join(tmp('control-room-game-lock-'), 'gameday.pid');
    const config = loadControlRoomConfig(roomEnv(GAME_PORT));
    games = new GameHost({ ...gamePlace(config), reportsDir: reports, lockFile }, () => undefined);
    room = await serveOnFreePort({
      app: createControlRoom(config, buildCatalogue(), games),
      close: () => games.stop(),
    });
  });
  after(async () => {
    await room?.stop();
    await api?.stop();
  });

  describe('POST /game/start', () => {
    it('refuses without the facilitator token and starts nothing', async () => {
      const res = await room.request.post('/game/start').send({ rounds: 1 });
      expect(res.status).to.equal(401);
      expect(fs.existsSync(lockFile)).to.equal(false);
    });

    it('lists every bad option in one 400 and starts nothing', async () => {
      const res = await room.request
        .post('/game/start')
        .set(auth)
        .send({
          rounds: 0,
          round_seconds: 'soon',
          teams: ['red', 'red'],
          incidents: ['no-such', 'slow-transfers'],
          x: 1,
        });
      expect(res.status).to.equal(400);
      expect(res.body.error.code).to.equal('VALIDATION_FAILED');
      expect(res.body.error.details.problems.map((p: { path: string }) => p.path).sort()).to.deep.equal([
        '(body)',
        'incidents',
        'round_seconds',
        'rounds',
        'teams',
      ]);
      expect(JSON.stringify(res.body)).to.include('unknown incidents no-such;');
      expect(fs.existsSync(lockFile)).to.equal(false);
      expect(await gameAnswers(GAME_PORT)).to.equal(false);
    });

    it('refuses incidents this stack cannot play (one API process, no risk service), naming each', async () => {
      const res = await room.request
        .post('/game/start')
        .set(auth)
        .send({ rounds: 1, incidents: ['slow-replica', 'slow-risk'] });
      expect(res.status).to.equal(400);
      const messages = (res.body.error.details.problems as { message: string }[]).map((p) => p.message).join('\n');
      expect(messages).to.match(/slow-replica cannot be played here: it needs several API replicas/);
      expect(messages).to.match(/slow-risk cannot be played here: it needs the risk service/);
      expect(messages).to.match(/at most 0 rounds/);
      expect(fs.existsSync(lockFile)).to.equal(false);
      expect(await activeFaults(api)).to.deep.equal([]);
    });

    it('answers 409 while another process (make gameday) holds the game lock', async () => {
      const release = takeGameLock(lockFile);
      try {
        const res = await room.request.post('/game/start').set(auth).send({ rounds: 1, round_seconds: 10 });
        expect(res.status).to.equal(409);
        expect(res.body.error.code).to.equal('GAME_RUNNING');
        expect(await gameAnswers(GAME_PORT)).to.equal(false);
      } finally {
        release();
      }
    });
  });

  describe('the start form in Chromium', () => {
    let browser: Browser;
    let page: Page;
    before(async () => {
      ({ browser, page } = await openPage(room.baseUrl));
    });
    after(async () => {
      await browser?.close();
    });
    const text = (selector: string) => page.locator(selector).innerText();
    const fill = async (fields: Record<string, string>) => {
      for (const [name, value] of Object.entries(fields)) await page.fill(`#start-${name}`, value);
      await page.click('#game-start button[type="submit"]');
    };

    it('shows the refusal for bad input with nothing started, then starts a seeded game, shows its round and leaderboard, and stops it with faults reset and the debrief written', async () => {
      await page.waitForSelector('#game-start:not([hidden])');
      await fill({ rounds: '-1', round_seconds: '20', teams: ',', seed: '11', cooldown: '0', load_rate: '0' });
      await page.waitForSelector('#token-form:not([hidden])');
      await page.fill('#token', TOKEN);
      await page.click('#token-form button[type="submit"]');
      await fill({ incidents: 'slow-transfers,bogus' });
      // The first refusal (no token yet) is still on the page until this answer arrives: wait for this one.
      await page.locator('#game-start-message.error', { hasText: 'VALIDATION_FAILED' }).waitFor({ timeout: 15_000 });
      const refusal = await text('#game-start-message');
      expect(refusal).to.match(/^Refused \(VALIDATION_FAILED\)/);
      for (const field of ['rounds', 'teams', 'incidents']) expect(refusal).to.include(`${field}:`);
      expect(fs.existsSync(lockFile), 'no game started').to.equal(false);
      await screenshot(page, 'game-start-refused');

      await fill({ rounds: '1', teams: 'red,blue', incidents: 'slow-transfers' });
      await page.waitForSelector('#game-start-message.ok');
      expect(await text('#game-start-message')).to.match(/^Game started with seed 11: 1 rounds of 20 s\./);
      await page.waitForSelector('#game-play:not([hidden])');
      await page.waitForSelector('#game-start', { state: 'hidden' });
      await waitUntil('the page shows round 1 open', () => text('#game-status'), {
        timeoutMs: 10_000,
        until: (s) => /^Seed 11: round 1 of 1 open since/.test(s),
      });
      expect(await page.locator('#game-board tr[data-team]').count()).to.equal(2);
      await waitUntil('the incident is injected', () => activeFaults(api), {
        timeoutMs: 15_000,
        until: (active) => active.includes('latency'),
      });
      await screenshot(page, 'game-started');

      await page.click('#game-stop');
      await waitUntil('the game is stopped and its debrief written', () => fs.readdirSync(reports), {
        timeoutMs: 15_000,
        until: (files) => files.some((f) => f.endsWith('.md')),
      });
      expect(await activeFaults(api)).to.deep.equal([]);
      expect(fs.existsSync(lockFile), 'the lock is released').to.equal(false);
      await page.waitForSelector('#game-start:not([hidden])', { timeout: 10_000 });
    });
  });

  it('stops the game it runs before the control room process ends on SIGTERM: faults reset, debrief written', async () => {
    const roomPort = 21210;
    const gamePort = 21211;
    const processReports = tmp('control-room-sigterm-reports-');
    const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'control-room/server.ts'], {
      cwd: projectRoot(),
      env: { ...process.env, ...roomEnv(gamePort), CONTROL_ROOM_PORT: String(roomPort), REPORTS_DIR: processReports },
      stdio: 'ignore',
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const control = supertest(`http://127.0.0.1:${roomPort}`);
      await waitUntil(
        'the control room answers',
        () =>
          control.get('/healthz').then(
            (r) => r.status,
            () => 0,
          ),
        {
          timeoutMs: 20_000,
          until: (s) => s === 200,
        },
      );
      const started = await control
        .post('/game/start')
        .set(auth)
        .send({ rounds: 1, round_seconds: 10, teams: 'red', seed: 3, load_rate: 0, incidents: 'slow-transfers' });
      expect(started.status, JSON.stringify(started.body)).to.equal(201);
      await waitUntil('the incident is injected', () => activeFaults(api), {
        timeoutMs: 30_000,
        until: (active) => active.includes('latency'),
      });
      child.kill('SIGTERM');
      expect(await exited).to.equal(0);
      expect(await activeFaults(api)).to.deep.equal([]);
      expect(fs.readdirSync(processReports).filter((f) => f.endsWith('.json'))).to.have.length(1);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
