import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { updateSchema, FAULT_NAMES } from '../../app/faults/catalogue';
import { INCIDENTS, injection, serviceOf, unplayable, type StackShape } from '../../gameday/incidents';
import type { Answer } from '../../gameday/game';
import { freshDatabase } from '../../kit/postgres';
import { startRisk, type TestRisk } from '../support/risk';
import { takeGameLock } from '../../gameday/lock';
import { parseGameOptions } from '../../gameday/options';
import { planGame, planProblems } from '../../gameday/plan';
import { PENALTY, score } from '../../gameday/scoring';
import { startGameDay, type RunningGameDay } from '../../gameday/session';
import { adminUrl, startApp, type TestApp } from '../support/app';
import { waitUntil } from '../../kit/wait';

describe('game day', () => {
  describe('the catalogue and the draw', () => {
    const ONE = { replicas: ['api-1'], risk: false };
    const FULL = { replicas: ['api-3', 'api-1', 'api-2'], risk: true };

    it('holds at least ten distinct incidents, each a known fault family whose injection the fault API accepts', () => {
      expect(new Set(INCIDENTS.map((i) => i.id)).size)
        .to.equal(INCIDENTS.length)
        .and.be.at.least(10);
      for (const incident of INCIDENTS) {
        expect(FAULT_NAMES).to.include(incident.family);
        for (const stage of incident.stages) {
          const body = updateSchema.parse({ ...injection(incident, stage, 'api-2'), duration_s: 30 });
          expect(body).to.include({ hidden: true });
          expect(body.instances, incident.id).to.deep.equal(incident.scope === 'one-replica' ? ['api-2'] : undefined);
        }
      }
      expect(INCIDENTS.filter((i) => serviceOf(i) === 'risk').map((i) => i.family)).to.have.members([
        'latency',
        'error_rate',
      ]);
    });

    it('draws the same incidents, in the same order, at the same offsets from the same seed', () => {
      const ids = (seed: number) => planGame(seed, 5, 60, FULL).map((r) => `${r.incident.id}@${r.scope}@${r.offset_s}`);
      expect(ids(1234)).to.deep.equal(ids(1234));
      expect(ids(1234)).to.not.deep.equal(ids(1235));
      expect(new Set(planGame(7, INCIDENTS.length, 60, FULL).map((r) => r.incident.id)).size).to.equal(
        INCIDENTS.length,
      );
    });

    it('leaves out what the stack cannot play, keeping the order of the full draw', () => {
      for (const seed of [1, 2, 3, 4, 5]) {
        const full = planGame(seed, INCIDENTS.length, 60, FULL).map((r) => r.incident);
        const one = planGame(seed, INCIDENTS.length - 4, 60, ONE).map((r) => r.incident);
        expect(one.map((i) => i.id)).to.deep.equal(
          full.filter((i) => i.scope !== 'one-replica' && i.scope !== 'risk-service').map((i) => i.id),
        );
      }
      expect(() => planGame(1, INCIDENTS.length - 3, 60, ONE)).to.throw(/at most 11 rounds/);
      expect(
        unplayable(
          INCIDENTS.find((i) => i.scope === 'one-replica')!,
          ONE,
        ),
      ).to.match(/several API replicas/);
    });

    it('draws only among the chosen incidents, the same ones from the same seed, and refuses those this stack cannot play', () => {
      const chosen = ['failing-replica', 'slow-risk', 'slow-transfers'];
      const drawn = (seed: number) => planGame(seed, 3, 60, FULL, chosen).map((r) => r.incident.id);
      expect(drawn(9)).to.have.members(chosen);
      expect(drawn(9)).to.deep.equal(drawn(9));
      const why = (id: string) =>
        unplayable(
          INCIDENTS.find((i) => i.id === id)!,
          ONE,
        );
      expect(planProblems({ rounds: 2, incidents: chosen }, ONE)).to.deep.equal([
        { path: 'incidents', message: `failing-replica cannot be played here: it ${why('failing-replica')}` },
        { path: 'incidents', message: `slow-risk cannot be played here: it ${why('slow-risk')}` },
        { path: 'rounds', message: 'at most 1 rounds on this stack with these incidents (one each)' },
      ]);
      expect(planProblems({ rounds: 3, incidents: chosen }, FULL)).to.deep.equal([]);
    });

    it('reads the options the same from the command line (strings) and from JSON, listing every problem at once', () => {
      const cli = parseGameOptions({
        rounds: '2',
        round_seconds: '30',
        teams: 'red, blue',
        seed: '',
        incidents: 'slow-risk',
      });
      const json = parseGameOptions({ rounds: 2, round_seconds: 30, teams: ['red', 'blue'], incidents: ['slow-risk'] });
      expect(JSON.parse(JSON.stringify(cli)), 'seed "" is no seed').to.deep.equal(json);
      expect(json).to.deep.include({ ok: true });
      const bad = parseGameOptions({
        rounds: '1.5',
        round_seconds: 5,
        teams: '',
        seed: -1,
        incidents: 'nope',
        cooldown: 'x',
      });
      expect(bad.ok).to.equal(false);
      expect(bad.ok ? [] : bad.problems.map((p) => p.path)).to.deep.equal([
        'rounds',
        'round_seconds',
        'teams',
        'seed',
        'cooldown',
        'incidents',
      ]);
    });

    it('aims a one-replica incident at a replica drawn from the seed, whatever order the replicas are listed in', () => {
      const replicaRounds = (seed: number, replicas: string[]) =>
        planGame(seed, INCIDENTS.length, 60, { replicas, risk: true })
          .filter((r) => r.incident.scope === 'one-replica')
          .map((r) => [r.scope, r.instance]);
      const drawn = [...Array(20).keys()].flatMap((seed) => replicaRounds(seed, FULL.replicas));
      for (const [scope, instance] of drawn) expect(scope).to.equal(instance).and.be.oneOf(FULL.replicas);
      expect(new Set(drawn.map(([scope]) => scope)).size, 'every replica gets drawn').to.equal(3);
      expect(replicaRounds(11, ['api-1', 'api-2', 'api-3'])).to.deep.equal(
        replicaRounds(11, ['api-3', 'api-2', 'api-1']),
      );
    });
  });

  describe('scoring', () => {
    const truth = {
      family: 'latency',
      scope: '/api/transfers' as const,
      injectedAt: Date.parse('2026-01-01T10:00:00Z'),
    };
    const answer = {
      team: 'red',
      family: 'latency' as const,
      scope: '/api/transfers' as const,
      started_at: '2026-01-01T10:00:05Z',
    };

    it('gives every part its points, fewer the later the answer, and only a penalty for a wrong family', () => {
      const fast = score(answer, truth, truth.injectedAt + 10_000, 60);
      const slow = score(answer, truth, truth.injectedAt + 50_000, 60);
      expect(fast).to.include({ family: true, scope: true, start: true });
      expect(fast.points).to.be.greaterThan(slow.points).and.be.greaterThan(0);
      expect(score({ ...answer, scope: 'all' }, truth, truth.injectedAt + 10_000, 60).points).to.be.lessThan(
        fast.points,
      );
      expect(score({ ...answer, family: 'db_slow' }, truth, truth.injectedAt + 10_000, 60).points).to.equal(-PENALTY);
    });
  });

  describe('one game at a time', () => {
    it('refuses a second game while the first holds the lock, and takes over a lock left by a dead process', () => {
      const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'gameday-lock-')), 'gameday.pid');
      const release = takeGameLock(file);
      expect(() => takeGameLock(file)).to.throw(/already running/);
      release();
      fs.writeFileSync(file, '999999999\n');
      takeGameLock(file)();
    });
  });

  describe('the game endpoints against a real API', function () {
    this.timeout(60_000);
    let api: TestApp;
    let day: RunningGameDay;
    const TOKEN = 'facilitator-token-0123456789';
    const post = (route: string, body?: unknown, token?: string) =>
      fetch(`${day.url}${route}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) },
        body: JSON.stringify(body ?? {}),
      });
    const events: string[] = [];
    const board = async () =>
      ((await (await fetch(`${day.url}/game/leaderboard`)).json()) as { leaderboard: unknown[] }).leaderboard;

    before(async () => {
      api = await startApp();
      day = await startGameDay({
        seed: 99,
        rounds: 2,
        roundSeconds: 20,
        cooldownSeconds: 10,
        teams: ['red', 'blue'],
        apiUrl: api.baseUrl,
        // No Prometheus here: the game records no samples, and still runs.
        prometheusUrl: 'http://127.0.0.1:9',
        port: 0,
        reportsDir: fs.mkdtempSync(path.join(os.tmpdir(), 'gameday-reports-')),
        lockFile: path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'gameday-lock-')), 'gameday.pid'),
        loadRate: 0,
        token: TOKEN,
        onEvent: (line) => events.push(line),
      });
    });
    after(async () => {
      day?.stop();
      await day?.done.catch(() => undefined);
      await api?.stop();
    });

    it('scores right answers, penalises wrong ones, refuses bad ones (400/409) without changing a score, reveals and stops only for the facilitator, and resets on stop', async () => {
      const truth = await waitUntil('the first incident is injected', () => day.game.truth(), {
        timeoutMs: 15_000,
        until: (t) => t?.injected_at !== undefined,
      }).then((t) => t!);
      expect(events.filter((e) => e.includes('left out of the draw'))).to.have.members(
        INCIDENTS.filter((i) => i.scope === 'one-replica' || i.scope === 'risk-service').map(
          (i) =>
            `${i.id} is left out of the draw: it ${i.scope === 'one-replica' ? 'needs several API replicas (1 runs; make up REPLICAS=3)' : 'needs the risk service (its fault API did not answer GET /api/failures at RISK_URL with the token)'}`,
        ),
      );
      const right = { team: 'red', family: truth.family, scope: truth.scope, started_at: truth.injected_at };
      const wrongFamily = FAULT_NAMES.find((f) => f !== truth.family);
      for (const bad of [
        { ...right, team: 'green' },
        { ...right, family: 'gremlins' },
        { ...right, scope: '/nowhere' },
        { ...right, scope: 'no-such-replica' },
        { ...right, started_at: 'yesterday' },
        { ...right, extra: 1 },
      ])
        expect((await post('/game/diagnoses', bad)).status, JSON.stringify(bad)).to.equal(400);
      expect(await board()).to.deep.equal([
        { team: 'red', score: 0 },
        { team: 'blue', score: 0 },
      ]);

      const won = await post('/game/diagnoses', right);
      expect(won.status).to.equal(201);
      const points = ((await won.json()) as { verdict: { points: number } }).verdict.points;
      expect(points).to.be.greaterThan(50);
      expect((await post('/game/diagnoses', right)).status).to.equal(409);
      expect((await post('/game/diagnoses', { ...right, team: 'blue', family: wrongFamily })).status).to.equal(201);
      expect(await board()).to.deep.equal([
        { team: 'red', score: points },
        { team: 'blue', score: -PENALTY },
      ]);

      expect((await post('/game/reveal')).status, 'reveal without the facilitator token').to.equal(401);
      expect((await post('/game/stop', {}, 'not-the-facilitator-token')).status).to.equal(403);
      expect((await post('/game/reveal', {}, TOKEN)).status).to.equal(200);
      await waitUntil('the round is closed', () => day.game.status().round, {
        timeoutMs: 10_000,
        until: (round) => round === undefined,
      });
      const late = await post('/game/diagnoses', { ...right, team: 'blue' });
      expect(late.status).to.equal(409);
      expect(await board()).to.deep.equal([
        { team: 'red', score: points },
        { team: 'blue', score: -PENALTY },
      ]);
      day.stop();
      const { record } = await day.done;
      expect(record.rounds).to.have.length(1);
      const state = (await api.request.get('/api/failures').expect(200)).body as {
        faults: Record<string, { active: boolean }>;
        hidden?: boolean;
      };
      expect(Object.values(state.faults).filter((f) => f.active)).to.deep.equal([]);
      expect(state.hidden).to.equal(undefined);
      for (const r of record.rounds)
        for (const s of r.stages)
          expect(s.faults.duration_s)
            .to.be.a('number')
            .and.be.at.most(20 + 5);
    });
  });

  describe('a bad replica and the risk service against real services', function () {
    this.timeout(60_000);
    const TOKEN = 'facilitator-token-0123456789';
    const auth = { authorization: `Bearer ${TOKEN}` };
    let replicas: TestApp[];
    let risk: TestRisk;
    const tmp = (prefix: string) => fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    /** The first seed whose first round is drawn from `scope` on this stack. */
    const seedFor = (scope: string, stack: StackShape) =>
      [...Array(1000).keys()].find((seed) => planGame(seed, 1, 20, stack)[0]?.incident.scope === scope) as number;
    const play = (seed: number) =>
      startGameDay({
        seed,
        rounds: 1,
        roundSeconds: 20,
        cooldownSeconds: 0,
        teams: ['red', 'blue'],
        apiUrl: replicas[0]!.baseUrl,
        riskUrl: risk.baseUrl,
        prometheusUrl: 'http://127.0.0.1:9',
        port: 0,
        reportsDir: tmp('gameday-reports-'),
        lockFile: path.join(tmp('gameday-lock-'), 'gameday.pid'),
        loadRate: 0,
        token: TOKEN,
      });
    const injected = (day: RunningGameDay) =>
      waitUntil('the incident is injected', () => day.game.truth(), {
        timeoutMs: 15_000,
        until: (t) => t?.injected_at !== undefined,
      }).then((t) => t!);
    const diagnose = (day: RunningGameDay, body: object) =>
      fetch(`${day.url}/game/diagnoses`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const active = async (service: TestApp | TestRisk) => {
      const view = (await service.request.get('/api/failures').set(auth).expect(200)).body as {
        faults: Record<string, { active: boolean; instances?: string[] }>;
      };
      return Object.entries(view.faults).filter(([, f]) => f.active);
    };

    before(async () => {
      const databaseUrl = await freshDatabase(adminUrl());
      const shared = { FAULT_STORE: 'postgres', FAULT_STORE_REFRESH_MS: '200', CHAOS_TOKEN: TOKEN };
      risk = await startRisk(databaseUrl, { CHAOS_TOKEN: TOKEN });
      replicas = [];
      for (const id of ['api-a', 'api-b'])
        replicas.push(await startApp({ ...shared, INSTANCE_ID: id, RISK_URL: risk.baseUrl }, { databaseUrl }));
      await waitUntil(
        'both replicas are in the store',
        async () =>
          ((await replicas[0]!.request.get('/api/failures').set(auth)).body as { store: { replicas: unknown[] } }).store
            .replicas.length,
        { timeoutMs: 10_000, until: (n) => n === 2 },
      );
    });
    after(async () => {
      for (const r of replicas ?? []) await r.stop();
      await risk?.stop();
    });

    it('aims a one-replica incident at the drawn replica, scores a diagnosis naming it, and refuses an unknown replica', async () => {
      const stack = { replicas: ['api-a', 'api-b'], risk: true };
      const day = await play(seedFor('one-replica', stack));
      try {
        const truth = await injected(day);
        expect(truth.scope).to.be.oneOf(stack.replicas);
        expect(day.game.record.stack).to.deep.equal(stack);
        const status = (await (await fetch(`${day.url}/game`)).json()) as { scopes: string[] };
        expect(status.scopes).to.include.members(['all', 'risk-service', 'api-a', 'api-b']);
        const faults = await active(replicas[0]!);
        expect(faults.map(([name]) => name)).to.deep.equal([truth.family]);
        expect(faults[0]?.[1].instances).to.deep.equal([truth.scope]);
        const right = { team: 'red', family: truth.family, scope: truth.scope, started_at: truth.injected_at };
        const unknown = await diagnose(day, { ...right, scope: 'api-z' });
        expect(unknown.status).to.equal(400);
        expect(JSON.stringify(await unknown.json())).to.include('api-a, api-b');
        const other = stack.replicas.find((id) => id !== truth.scope);
        const blue = (await (await diagnose(day, { ...right, team: 'blue', scope: other })).json()) as Answer;
        expect(blue.verdict).to.include({ family: true, scope: false });
        const red = (await (await diagnose(day, right)).json()) as Answer;
        expect(red.verdict).to.include({ family: true, scope: true, start: true });
        expect(red.verdict.points).to.be.greaterThan(blue.verdict.points);
      } finally {
        day.stop();
        await day.done;
      }
      expect(await active(replicas[1]!)).to.deep.equal([]);
    });

    it("injects a risk-service incident through the risk service's fault API, hidden there, and resets it at the end", async () => {
      const day = await play(seedFor('risk-service', { replicas: ['api-a', 'api-b'], risk: true }));
      try {
        const truth = await injected(day);
        expect(truth.scope).to.equal('risk-service');
        expect((await active(risk)).map(([name]) => name)).to.deep.equal([truth.family]);
        expect(await active(replicas[0]!)).to.deep.equal([]);
        const view = (await risk.request.get('/api/failures').set(auth)).body as { hidden?: boolean };
        expect(view.hidden).to.equal(true);
        const right = { team: 'red', family: truth.family, scope: 'risk-service', started_at: truth.injected_at };
        const red = (await (await diagnose(day, right)).json()) as Answer;
        expect(red.verdict).to.include({ family: true, scope: true });
      } finally {
        day.stop();
        await day.done;
      }
      expect(await active(risk)).to.deep.equal([]);
    });
  });
});
