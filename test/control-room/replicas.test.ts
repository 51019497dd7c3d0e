import fs from 'node:fs';
import { expect } from 'chai';
import type { Page } from 'playwright-core';
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
    // what the charts and both fault forms need: no exporter or alert path
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
});
