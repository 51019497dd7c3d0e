import http from 'node:http';
import { expect } from 'chai';
import type { Journal, Phase } from '../../scenarios/lib/journal';
import { PROFILES, type Profile } from '../../scenarios/lib/profiles';
import { q } from '../../scenarios/lib/queries';
import { runScenario, safetyExpirySeconds } from '../../scenarios/lib/runner';
import type { Scenario } from '../../scenarios/lib/scenario';
import type { MetricProbe } from '../../scenarios/lib/probes';

/**
 * The runner against a scripted API, Prometheus and Alertmanager (in-process HTTP servers on fixed
 * ports 20000-20002): the queries answer from one shared world, so an effect shows only while the
 * scripted API holds the fault the runner injected.
 */
const PORTS = { api: 20000, prometheus: 20001, alertmanager: 20002 };
const url = (port: number) => `http://127.0.0.1:${port}`;

interface World {
  faultOn: boolean;
  injections: unknown[];
  resets: number;
  /** How POST /api/failures answers: a status, or 'drop' to cut the connection. */
  injectAnswer: number | 'drop';
  alertmanagerReady: boolean;
  /** Query values by name; a function reads the world. */
  values: Record<string, (w: World) => number | undefined>;
  onInject?: () => void;
}

const healthyValues = (): World['values'] => ({
  [q.apiUp()]: () => 1,
  steady: () => 1,
  detected: (w) => (w.faultOn ? 1 : 0),
  recovered: (w) => (w.faultOn ? 0 : 1),
  guard: () => 0,
  signal: (w) => (w.faultOn ? 5 : 1),
});

const metric = (name: string, expr: string): MetricProbe => ({
  kind: 'metric',
  name,
  expr,
  unit: 'count',
  tolerance: { kind: 'range', min: 1, max: 1 },
});

const scenario: Scenario = {
  id: 99,
  slug: 'scripted',
  title: 'Scripted',
  doc: 'none',
  hypothesis: 'the scripted effect shows while the fault is on',
  faults: { latency_ms: 100 },
  load: { connections: 1, overallRate: 20, requests: [{ method: 'GET', path: '/api/balance' }] },
  mainSignal: { name: 'signal', expr: 'signal', unit: 'count' },
  steadyState: [metric('steady', 'steady')],
  expectations: [metric('detected', 'detected')],
  recovery: [metric('recovered', 'recovered')],
  guards: [{ kind: 'metric', name: 'guard', expr: 'guard', unit: 'count', tolerance: { kind: 'range', max: 0 } }],
};

const profile: Profile = {
  ...PROFILES.fast,
  baselineSeconds: 0.1,
  steadyDeadlineSeconds: 0.5,
  detectDeadlineSeconds: 0.5,
  holdSeconds: 0,
  recoveryDeadlineSeconds: 0.5,
  pollMs: 20,
  consecutivePolls: 2,
  settleSeconds: 0,
  faultWindowSeconds: 0,
};

function json(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => resolve(text));
  });
}

describe('the scenario runner (scripted API, Prometheus and Alertmanager)', () => {
  let world: World;
  const servers: http.Server[] = [];

  const api = http.createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      if (req.url === '/api/failures' && req.method === 'POST') {
        if (world.injectAnswer === 'drop') return req.socket.destroy();
        world.injections.push(JSON.parse(body));
        if (world.injectAnswer !== 200) return json(res, world.injectAnswer, { error: { code: 'REFUSED' } });
        world.faultOn = true;
        world.onInject?.();
        return json(res, 200, { status: 'updated' });
      }
      if (req.url === '/api/reset' && req.method === 'POST') {
        world.resets += 1;
        world.faultOn = false;
        return json(res, 200, { status: 'reset complete', released_bytes: 0 });
      }
      json(res, 200, {});
    })();
  });
  const prometheus = http.createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    if (u.pathname === '/api/v1/query') {
      const v = world.values[u.searchParams.get('query') ?? '']?.(world);
      const result = v === undefined ? [] : [{ metric: {}, value: [Date.now() / 1000, String(v)] }];
      return json(res, 200, { status: 'success', data: { resultType: 'vector', result } });
    }
    if (u.pathname === '/api/v1/alerts') return json(res, 200, { status: 'success', data: { alerts: [] } });
    json(res, 200, {});
  });
  const alertmanager = http.createServer((req, res) => {
    if (req.url === '/-/ready') return json(res, world.alertmanagerReady ? 200 : 503, {});
    json(res, 200, []);
  });

  before(async () => {
    for (const [server, port] of [
      [api, PORTS.api],
      [prometheus, PORTS.prometheus],
      [alertmanager, PORTS.alertmanager],
    ] as const) {
      await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
      servers.push(server);
    }
  });
  after(async () => {
    for (const s of servers) {
      s.closeAllConnections();
      await new Promise((resolve) => s.close(resolve));
    }
  });
  beforeEach(() => {
    world = {
      faultOn: false,
      injections: [],
      resets: 0,
      injectAnswer: 200,
      alertmanagerReady: true,
      values: healthyValues(),
    };
  });

  const run = (signal?: AbortSignal): Promise<Journal> =>
    runScenario(scenario, {
      apiUrl: url(PORTS.api),
      prometheusUrl: url(PORTS.prometheus),
      alertmanagerUrl: url(PORTS.alertmanager),
      profile,
      signal,
    });
  const phases = (j: Journal) => j.phases.map((p) => p.phase);
  const phase = (j: Journal, name: Phase) => j.phases.find((p) => p.phase === name);

  it('passes when every phase holds, injecting the case with its safety expiry and resetting after', async () => {
    const j = await run();
    expect(j.verdict, JSON.stringify(j.phases)).to.equal('pass');
    expect(phases(j)).to.deep.equal(['preflight', 'steady-state', 'inject', 'detect', 'rollback', 'recovery']);
    expect(world.injections).to.deep.equal([{ latency_ms: 100, duration_s: safetyExpirySeconds(profile) }]);
    expect(world.resets, 'before the steady state and in the rollback').to.equal(2);
    expect(j.load?.requests).to.be.above(0);
    expect(j.signal.marks.map((m) => m.label)).to.deep.equal(['i', 'r']);
  });

  it('fails and touches nothing when a component is unreachable (preflight)', async () => {
    world.alertmanagerReady = false;
    const j = await run();
    expect(j.verdict).to.equal('fail');
    expect(phases(j)).to.deep.equal(['preflight']);
    expect(phase(j, 'preflight')?.note).to.equal('not reachable: Alertmanager');
    expect(world.resets + world.injections.length).to.equal(0);
  });

  it('fails without injecting when the steady-state hypothesis does not hold', async () => {
    world.values.steady = () => 0;
    const j = await run();
    expect(j.verdict).to.equal('fail');
    expect(phases(j)).to.deep.equal(['preflight', 'steady-state']);
    expect(world.injections).to.deep.equal([]);
  });

  it('fails when the effect is not seen by the deadline, and still rolls back and checks recovery', async () => {
    world.values.detected = () => 0;
    const j = await run();
    expect(j.verdict).to.equal('fail');
    expect(phase(j, 'detect')?.ok).to.equal(false);
    expect(phase(j, 'rollback')?.ok).to.equal(true);
    expect(phase(j, 'recovery')?.ok).to.equal(true);
    expect(world.faultOn).to.equal(false);
  });

  it('fails when the API refuses the injection: the effect is then absent, and the rollback still runs', async () => {
    world.injectAnswer = 403;
    const j = await run();
    expect(j.verdict).to.equal('fail');
    expect(phase(j, 'inject')?.probes[0]?.value).to.equal('HTTP 403');
    expect(phase(j, 'detect')?.ok, 'the scripted effect needs the fault').to.equal(false);
    expect(phase(j, 'rollback')?.ok).to.equal(true);
  });

  it('fails when recovery does not hold after the rollback', async () => {
    world.values.recovered = () => 0;
    const j = await run();
    expect(j.verdict).to.equal('fail');
    expect(phases(j).slice(0, 5)).to.deep.equal(['preflight', 'steady-state', 'inject', 'detect', 'rollback']);
    expect(phase(j, 'detect')?.ok).to.equal(true);
    expect(phase(j, 'recovery')?.ok).to.equal(false);
  });

  it('rolls back when a phase throws (the API cuts the connection on injection)', async () => {
    world.injectAnswer = 'drop';
    const j = await run();
    expect(j.verdict).to.equal('fail');
    expect(j.aborted).to.be.a('string');
    expect(phase(j, 'rollback')?.ok).to.equal(true);
    expect(world.resets).to.equal(2);
  });

  it('aborts on a tripped guard, rolls back, and fails', async () => {
    world.values.guard = (w) => (w.faultOn ? 1 : 0);
    const j = await run();
    expect(j.verdict).to.equal('fail');
    expect(j.aborted).to.match(/^guard "guard" failed/);
    expect(phase(j, 'detect')?.ok).to.equal(false);
    expect(phase(j, 'rollback')?.ok).to.equal(true);
    expect(world.faultOn).to.equal(false);
  });

  it('rolls back on an abort signal (Ctrl-C) during detection and skips recovery', async () => {
    const interrupt = new AbortController();
    world.values.detected = () => 0;
    world.onInject = () => setTimeout(() => interrupt.abort(), 50);
    const j = await run(interrupt.signal);
    expect(j.verdict).to.equal('fail');
    expect(j.aborted).to.equal('interrupted');
    expect(phases(j)).to.deep.equal(['preflight', 'steady-state', 'inject', 'detect', 'rollback']);
    expect(world.faultOn).to.equal(false);
  });
});
