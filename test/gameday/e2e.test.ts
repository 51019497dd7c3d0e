import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { FAULT_NAMES } from '../../app/faults/catalogue';
import { INCIDENTS, SIGNALS, injection, type Incident } from '../../gameday/incidents';
import { PENALTY } from '../../gameday/scoring';
import { startGameDay } from '../../gameday/session';
import type { GameRecord, RoundRecord } from '../../gameday/game';
import type { Stack } from '../../stack/stack';
import { startSourceStack, suiteDir } from '../support/native-stack';
import { waitUntil } from '../../kit/wait';
import { findLeaks, type Observed } from './leaks';

/** This suite's ports (20800-20899 belong to the game-day tests). */
const PORTS = {
  api: 20800,
  prometheus: 20801,
  alertmanager: 20802,
  postgres: 20803,
  postgresExporter: 20804,
  alertSink: 20805,
  controlRoom: 20807,
  risk: 20808,
};
const GAME_PORT = 20806;
const TOKEN = 'gameday-facilitator-token';
/** Three rounds with plain signals: database-outage, slow-account-pages, slow-transfers. */
const SEED = 706;
const PUBLIC = ['/metrics', '/api/failures', '/health', '/healthz', '/'];

describe('a game day on the native stack (fast profile)', function () {
  this.timeout(300_000);
  let stack: Stack;
  let dir: string;
  const logLines = () =>
    fs
      .readFileSync(path.join(dir, 'logs', 'api.log'), 'utf8')
      .split('\n')
      .filter(Boolean);

  /** What a participant can see now: every public endpoint (no token), its headers, and the API's log since `fromLine`. */
  async function observe(fromLine: number): Promise<Observed> {
    const answers = await Promise.all(
      PUBLIC.map(async (p) => {
        const res = await fetch(`${stack.urls.api}${p}`);
        return { path: p, status: res.status, headers: Object.fromEntries(res.headers), body: await res.text() };
      }),
    );
    return { answers, metrics: answers[0]?.body ?? '', logLines: logLines().slice(fromLine) };
  }

  before(async () => {
    dir = suiteDir('gameday-e2e-');
    stack = await startSourceStack(dir, PORTS, { CHAOS_TOKEN: TOKEN, LOG_LEVEL: 'info' });
  });
  after(async () => stack?.stop());

  let record: GameRecord;
  let report: { markdown: string; json: string };
  const leaks: string[][] = [];
  const faultApiStart: Record<number, string | undefined> = {};

  it('plays three seeded rounds: right answers score, wrong ones cost the penalty, and no fault is left on', async () => {
    const teamsAnswer = async (round: RoundRecord, truth: RoundRecord['incident'], injectedAt: string) => {
      const post = (body: unknown) =>
        fetch(`http://127.0.0.1:${GAME_PORT}/game/diagnoses`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      const wrong = FAULT_NAMES.find((f) => f !== truth.family);
      expect((await post({ team: 'blue', family: wrong, scope: 'all', started_at: injectedAt })).status).to.equal(201);
      expect(
        (await post({ team: 'red', family: truth.family, scope: truth.scope, started_at: injectedAt })).status,
      ).to.equal(201);
      const state = await fetch(`${stack.urls.api}/api/failures`, { headers: { authorization: `Bearer ${TOKEN}` } });
      const faults = ((await state.json()) as { faults: Record<string, { started_at?: string }> }).faults;
      faultApiStart[round.round] = faults[truth.family]?.started_at;
    };
    let baseline = '';
    let fromLine = 0;
    const pending: Promise<unknown>[] = [];
    const day = await startGameDay({
      seed: SEED,
      rounds: 3,
      roundSeconds: 25,
      cooldownSeconds: 5,
      teams: ['red', 'blue'],
      apiUrl: stack.urls.api,
      prometheusUrl: stack.urls.prometheus,
      token: TOKEN,
      port: GAME_PORT,
      reportsDir: path.join(dir, 'reports'),
      lockFile: path.join(dir, 'gameday.pid'),
      loadRate: 20,
      onEvent: (line, round) => {
        if (!round) return;
        if (line.endsWith('opened')) {
          fromLine = logLines().length;
          pending.push(fetch(`${stack.urls.api}/metrics`).then(async (r) => (baseline = await r.text())));
        }
        if (line.endsWith('incident injected') && round.stages.length === 1) {
          const incident = INCIDENTS.find((i) => i.id === round.incident.id) as Incident;
          // Answers and the scan run while the round is open: 3 s after the injection, traffic has met the fault.
          pending.push(
            new Promise((r) => setTimeout(r, 3000))
              .then(async () => leaks.push(findLeaks(incident, await observe(fromLine), baseline)))
              .then(() => teamsAnswer(round, round.incident, round.injected_at as string)),
          );
        }
      },
    });
    ({ record, report } = await day.done);
    await Promise.all(pending);
    expect(record.rounds.map((r) => r.incident.id)).to.deep.equal([
      'database-outage',
      'slow-account-pages',
      'slow-transfers',
    ]);
    expect(record.leaderboard.find((l) => l.team === 'blue')?.score).to.equal(-3 * PENALTY);
    for (const r of record.rounds) {
      const red = r.answers.find((a) => a.team === 'red');
      expect(red?.verdict, `round ${r.round}`).to.include({ family: true, scope: true, start: true });
      expect(red?.verdict.points).to.be.greaterThan(0);
    }
    const state = await fetch(`${stack.urls.api}/api/failures`, { headers: { authorization: `Bearer ${TOKEN}` } });
    const body = (await state.json()) as { faults: Record<string, { active: boolean }>; hidden?: boolean };
    expect(Object.entries(body.faults).filter(([, f]) => f.active)).to.deep.equal([]);
    expect(body.hidden).to.equal(undefined);
  });

  it('showed a participant nothing that names the fault during each round (public endpoints, headers, log lines)', () => {
    expect(leaks).to.have.length(3);
    expect(leaks).to.deep.equal([[], [], []]);
  });

  it('finds the same fault with the same scan when it is injected without a game', async () => {
    const incident = INCIDENTS.find((i) => i.id === 'slow-transfers') as Incident;
    const baseline = await (await fetch(`${stack.urls.api}/metrics`)).text();
    const fromLine = logLines().length;
    const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
    const stage = incident.stages[0] as Incident['stages'][number];
    await fetch(`${stack.urls.api}/api/failures`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ ...injection(incident, stage), duration_s: 10, hidden: false }),
    });
    try {
      await fetch(`${stack.urls.api}/api/transfers`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ from_account: 'ACC-002', to_account: 'ACC-003', amount: 0.01 }),
      });
      const found = await waitUntil(
        'the scan finds the open fault',
        async () => findLeaks(incident, await observe(fromLine), baseline),
        { timeoutMs: 10_000, until: (l) => l.length > 0 },
      );
      expect(found.join('\n')).to.match(/fintech_fault_active\{fault="latency"\} 1|"latency"/);
    } finally {
      await fetch(`${stack.urls.api}/api/reset`, { method: 'POST', headers: auth });
    }
  });

  it('writes a debrief whose timeline is the real one: injection as the fault API saw it, answers after it, signals from Prometheus', () => {
    const saved = JSON.parse(fs.readFileSync(report.json, 'utf8')) as GameRecord;
    expect(saved.rounds).to.have.length(3);
    const markdown = fs.readFileSync(report.markdown, 'utf8');
    for (const r of saved.rounds) {
      const injected = Date.parse(r.injected_at as string);
      const apiStart = Date.parse(faultApiStart[r.round] as string);
      expect(Math.abs(apiStart - injected), `round ${r.round}: the fault API's started_at`).to.be.at.most(1500);
      expect(injected)
        .to.be.greaterThan(Date.parse(r.opened_at))
        .and.lessThan(Date.parse(r.closed_at as string));
      for (const a of r.answers) expect(Date.parse(a.at)).to.be.at.least(injected);
      const data = Object.values(r.samples)
        .flat()
        .filter((s) => s.v !== undefined);
      expect(data.length, `round ${r.round}: Prometheus samples`).to.be.greaterThan(10);
      expect(markdown).to.include(`## Round ${r.round}: ${r.incident.id}`).and.include(r.injected_at);
      for (const k of r.incident.signals) {
        const svg = path.join(
          path.dirname(report.markdown),
          path.basename(report.markdown, '.md') + `-round${r.round}-${k}.svg`,
        );
        expect(fs.readFileSync(svg, 'utf8')).to.match(/^<svg[\s\S]*<polyline/);
      }
    }
    for (const r of saved.rounds.filter((x) => x.first_signal)) {
      const { signal, at } = r.first_signal!;
      const before = r.samples[signal].filter((x) => x.t < Date.parse(at)).at(-1);
      expect(before?.v ?? 0, `round ${r.round}: ${signal} was below its level just before it showed`).to.be.at.most(
        SIGNALS[signal].above,
      );
      expect(Date.parse(at)).to.be.at.least(Date.parse(r.injected_at!));
    }
    const shown = saved.rounds.filter((r) => r.first_signal && r.incident.signals.includes(r.first_signal.signal));
    expect(
      shown.length,
      JSON.stringify(saved.rounds.map((r) => [r.incident.id, r.first_signal, r.first_alert])),
    ).to.be.at.least(2);
  });
});
