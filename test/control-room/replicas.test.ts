import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import supertest from 'supertest';
import type { GameRecord } from '../../gameday/game';
import { waitUntil } from '../../kit/wait';
import { replicaLayout } from '../../stack/haproxy';
import type { Ports } from '../../stack/options';
import { startStack, type Stack } from '../../stack/stack';
import { screenshot } from '../support/browser';
import { openControlRoom, type OpenControlRoom } from '../support/control-room';
import { SOURCE_API_COMMAND, SOURCE_RISK_COMMAND, suiteDir } from '../support/native-stack';

/**
 * This file's ports (20400-20499); the replicas and HAProxy's exporter sit at the API's port + 100..103
 * (stack/haproxy.ts replicaLayout), 20550-20553.
 */
const PORTS: Ports = {
  api: 20450,
  prometheus: 20451,
  alertmanager: 20452,
  postgres: 20453,
  postgresExporter: 20454,
  alertSink: 20455,
  risk: 20456,
  controlRoom: 20457,
};
const REPLICAS = replicaLayout(PORTS.api, 3).replicas;
/** The game the stack's control room runs (from 21200-21299, this helper's range). */
const GAME_PORT = 21250;
const IDS = REPLICAS.map((r) => r.id);
/** Injected into one replica: its median line reaches 1 s (a histogram bucket bound), the others' stay far below. */
const LATENCY_MS = 1000;

interface Failures {
  instance_id: string;
  faults: Record<string, { active: boolean; instances?: string[] }>;
}

describe('The control room in Chromium, against three API replicas behind HAProxy', function () {
  this.timeout(3 * 60_000);
  let dir: string;
  let stack: Stack;
  let room: OpenControlRoom | undefined;
  let page: Page;

  /** One replica's own GET /api/failures, not through HAProxy. */
  const failuresOf = async (port: number): Promise<Failures> =>
    (await (await fetch(`http://127.0.0.1:${port}/api/failures`)).json()) as Failures;
  /** The latest value of each series of a chart whose name matches, by instance_id. */
  const latestByInstance = (signal: string, series: RegExp) =>
    page.$$eval(
      `#chart-${signal} .latest tr[data-series]`,
      (rows, source) =>
        Object.fromEntries(
          rows
            .map((r) => [r.getAttribute('data-series') ?? '', Number(r.getAttribute('data-value'))] as const)
            .filter(([name]) => new RegExp(source).test(name))
            .map(([name, value]) => [/instance_id=([\w.-]+)/.exec(name)?.[1] ?? '', value]),
        ),
      series.source,
    );

  before(async function () {
    this.timeout(3 * 60_000);
    dir = suiteDir('control-room-replicas-');
    // what the charts, both fault forms and a game need: no exporter or alert path; the launcher hands the
    // control room its own environment, so its game's port and debrief folder are set around the start
    const saved = { GAMEDAY_URL: process.env['GAMEDAY_URL'], REPORTS_DIR: process.env['REPORTS_DIR'] };
    Object.assign(process.env, {
      GAMEDAY_URL: `http://127.0.0.1:${GAME_PORT}`,
      REPORTS_DIR: path.join(dir, 'reports'),
    });
    stack = await startStack({
      stateDir: dir,
      ports: PORTS,
      profile: 'fast',
      replicas: 3,
      components: ['postgres', 'risk', 'api', 'prometheus', 'control-room'],
      apiCommand: SOURCE_API_COMMAND,
      riskCommand: SOURCE_RISK_COMMAND,
      apiEnv: { LOG_LEVEL: 'warn' },
      readyTimeoutMs: 60_000,
    }).finally(() => {
      for (const [k, v] of Object.entries(saved))
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
    });
    room = await openControlRoom(stack, { overallRate: 30, seconds: 150 });
    page = room.page;
  });

  after(async function () {
    this.timeout(60_000);
    await room?.close();
    await stack?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('draws one request-rate and one p99 line per replica, named by its instance_id', async () => {
    // each chart renders when its own queries answer: wait for both
    const [rates, p99] = await waitUntil(
      'a request-rate and a p99 line for each replica',
      () => Promise.all([latestByInstance('request-rate', /./), latestByInstance('latency', /p99/)]),
      {
        until: ([r, q]) => IDS.every((id) => (r[id] ?? 0) > 0 && (q[id] ?? 0) > 0),
        timeoutMs: 30_000,
        intervalMs: 500,
      },
    );
    expect(Object.keys(rates).sort()).to.deep.equal(IDS);
    expect(Object.keys(p99).sort()).to.deep.equal(IDS);
  });

  it('applies a fault ticked for one replica on that replica only (GET /api/failures of each), and its line alone rises', async () => {
    const [bad, ...good] = REPLICAS.slice().reverse();
    const api = page.locator('#faults-api');
    await waitUntil('a choice per replica', () => api.locator('input[name="instances"]').count(), {
      until: (n) => n === IDS.length,
      timeoutMs: 10_000,
    });
    await api.getByLabel('latency_ms', { exact: true }).fill(String(LATENCY_MS));
    await api.getByLabel(bad!.id, { exact: true }).check();
    await page.getByRole('button', { name: 'Apply to the API' }).click();
    await waitUntil('the applied message', () => api.locator('.message').innerText(), {
      until: (m) => m.includes('Applied'),
      timeoutMs: 10_000,
    });
    const views = await waitUntil(
      'every replica applying the change',
      () => Promise.all(REPLICAS.map((r) => failuresOf(r.port))),
      { until: (v) => v.every((f) => f.faults['latency']?.instances !== undefined), timeoutMs: 5_000 },
    );
    for (const view of views) {
      expect(view.faults['latency']?.instances, view.instance_id).to.deep.equal([bad!.id]);
      expect(view.faults['latency']?.active, view.instance_id).to.equal(view.instance_id === bad!.id);
    }
    // the median, not p99: a healthy replica's few slow requests of a busy 2-core machine (seen: 0.9 s p99) don't move it
    const p50 = await waitUntil('the bad replica’s median line at 1 s', () => latestByInstance('latency', /p50/), {
      until: (v) => (v[bad!.id] ?? 0) >= LATENCY_MS / 1000,
      timeoutMs: 30_000,
      intervalMs: 500,
    });
    for (const r of good) expect(p50[r.id], r.id).to.be.below(0.25);
    await screenshot(page, 'replicas');
    await page.getByRole('button', { name: 'Reset every fault of the API' }).click();
    await waitUntil('every replica reset', () => Promise.all(REPLICAS.map((r) => failuresOf(r.port))), {
      until: (v) => v.every((f) => f.faults['latency']?.active === false && !f.faults['latency']?.instances),
      timeoutMs: 5_000,
    });
  });

  it('plays a seeded two-round game started from the control room, one bad replica and a slow risk service: right answers score, wrong ones cost, the debrief holds the real timeline', async function () {
    this.timeout(2 * 60_000);
    const control = supertest(stack.urls.controlRoom);
    const started = await control
      .post('/game/start')
      .send({
        rounds: 2,
        round_seconds: 20,
        cooldown: 0,
        teams: ['red', 'blue'],
        seed: 4242,
        load_rate: 10,
        incidents: ['failing-replica', 'slow-risk'],
      })
      .expect(201);
    expect(started.body).to.include({ seed: 4242, rounds: 2 });
    expect(started.body.scopes).to.include.members([...IDS, 'risk-service']);
    /** What a team sees first, by asking each replica and the risk service directly: the hit one and when. */
    const symptom = async (): Promise<{ family: string; scope: string } | undefined> => {
      for (const r of REPLICAS)
        if ((await fetch(`http://127.0.0.1:${r.port}/api/balance`)).status === 502)
          return { family: 'error_rate', scope: r.id };
      const t0 = Date.now();
      await fetch(`${stack.urls.risk}/api/decisions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      return Date.now() - t0 >= 500 ? { family: 'latency', scope: 'risk-service' } : undefined;
    };
    const seen: { round: number; family: string; scope: string; at: number }[] = [];
    for (const round of [1, 2]) {
      await waitUntil(`round ${round} open`, async () => (await control.get('/game')).body as { round?: number }, {
        until: (g) => g.round === round,
        timeoutMs: 30_000,
        intervalMs: 200,
      });
      const found = await waitUntil(`round ${round}: a symptom`, symptom, {
        until: (s) => s !== undefined,
        timeoutMs: 15_000,
        intervalMs: 100,
      });
      const at = Date.now();
      seen.push({ round, ...found!, at });
      const masked = await Promise.all(
        [stack.urls.api, stack.urls.risk].map(async (u) => (await fetch(`${u}/api/failures`)).json()),
      );
      expect(
        masked.map((m) => Object.keys(m as object).sort()),
        'both services look alike',
      ).to.deep.equal([
        ['enabled', 'hidden', 'instance_id'],
        ['enabled', 'hidden', 'instance_id'],
      ]);
      const answer = (team: string, family: string) =>
        control
          .post('/game/diagnoses')
          .send({ team, family, scope: found!.scope, started_at: new Date(at).toISOString() });
      expect((await answer('red', found!.family).expect(201)).body.verdict).to.include({
        family: true,
        scope: true,
        start: true,
      });
      expect((await answer('blue', 'memory_leak').expect(201)).body.verdict.points).to.be.below(0);
    }
    expect(seen.map((s) => s.family).sort(), 'one incident of each kind').to.deep.equal(['error_rate', 'latency']);
    await waitUntil('the game over (its endpoints closed)', async () => (await control.get('/game')).status, {
      until: (status) => status === 502,
      timeoutMs: 40_000,
      intervalMs: 500,
    });
    const reports = path.join(dir, 'reports');
    const json = fs.readdirSync(reports).find((f) => /^gameday-4242-.*\.json$/.test(f)) ?? expect.fail('no debrief');
    const record = JSON.parse(fs.readFileSync(path.join(reports, json), 'utf8')) as GameRecord;
    expect(record.stack).to.deep.equal({ replicas: IDS, risk: true });
    for (const [i, r] of record.rounds.entries()) {
      const s = seen[i]!;
      expect(r.incident, `round ${r.round}`).to.deep.include({ family: s.family, scope: s.scope });
      expect(r.ended_by).to.equal('time');
      const injected = Date.parse(r.injected_at ?? expect.fail('never injected'));
      // recorded when the fault API confirmed it: the other replicas may act on it a few ms before that answer
      expect(injected).to.be.within(Date.parse(r.opened_at), s.at + 1000);
      expect(s.at - injected, 'the symptom follows the recorded injection').to.be.below(5000);
      expect(Date.parse(r.closed_at!)).to.be.above(s.at);
      expect(r.answers.map((a) => [a.team, a.verdict.points > 0])).to.deep.equal([
        ['red', true],
        ['blue', false],
      ]);
    }
    const board = Object.fromEntries(record.leaderboard.map((l) => [l.team, l.score]));
    expect(board['red']).to.be.above(0);
    expect(board['blue']).to.be.below(0);
    expect(
      await failuresOf(REPLICAS[0]!.port).then((f) => Object.values(f.faults).some((x) => x.active)),
      'reset',
    ).to.equal(false);
  });
});
