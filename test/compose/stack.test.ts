import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import YAML from 'yaml';
import { projectRoot } from '../../app/paths';
import { DASHBOARDS_DIR, dashboardQueries } from '../../monitoring/grafana/queries';
import { PROFILES } from '../../scenarios/lib/profiles';
import type { Journal } from '../../scenarios/lib/runner';
import { runCases } from '../../scenarios/lib/session';
import type { ReceivedAlert } from '../../stack/alert-sink';
import { dockerComposeUnavailable } from '../../stack/docker';
import { waitForTargetsUp } from '../../stack/targets';
import { waitUntil } from '../../kit/wait';
import { describeWhereDockerRuns } from '../support/skips';

/**
 * The container test (make test-compose; make test runs it where a Docker engine answers): builds the
 * images, starts docker-compose.yml in the fast profile on ports of its own, checks every component
 * from outside as a participant would, and removes everything it created.
 */
const ROOT = projectRoot();
const PROJECT = 'fintech-chaos-compose-test';
const HOST_PORTS = {
  API_PORT: 19800,
  ALERT_SINK_PORT: 19899,
  PG_EXPORTER_PORT: 19887,
  PROMETHEUS_PORT: 19890,
  ALERTMANAGER_PORT: 19893,
  GRAFANA_PORT: 19830,
  JAEGER_UI_PORT: 19866,
  CONTROL_ROOM_PORT: 19888,
};
const ENV = {
  ...Object.fromEntries(Object.entries(HOST_PORTS).map(([k, v]) => [k, String(v)])),
  PROMETHEUS_CONFIG: 'prometheus.docker.fast.yml',
  PROMETHEUS_RESEND_DELAY: '1s',
};
const url = (port: keyof typeof HOST_PORTS): string => `http://127.0.0.1:${HOST_PORTS[port]}`;
const GRAFANA_AUTH = { authorization: `Basic ${Buffer.from('admin:workshop').toString('base64')}` };

function docker(args: string[], timeoutMs = 120_000): string {
  const result = spawnSync('docker', args, {
    cwd: ROOT,
    env: { ...process.env, ...ENV },
    encoding: 'utf8',
    timeout: timeoutMs,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.status !== 0) {
    throw new Error(
      `docker ${args.join(' ')} exited ${result.status}: ${result.stderr ?? ''}${result.error?.message ?? ''}`,
    );
  }
  return result.stdout;
}
const compose = (args: string[], timeoutMs?: number): string =>
  docker(['compose', '-p', PROJECT, '-f', 'docker-compose.yml', ...args], timeoutMs);
const leftovers = (kind: 'ps' | 'volume' | 'network'): string[] =>
  docker([
    ...(kind === 'ps' ? ['ps', '-a'] : [kind, 'ls']),
    '-q',
    '--filter',
    `label=com.docker.compose.project=${PROJECT}`,
  ])
    .split('\n')
    .filter(Boolean);

async function getJson<T>(target: string, headers: Record<string, string> = {}): Promise<{ status: number; body: T }> {
  const res = await fetch(target, { headers, signal: AbortSignal.timeout(10_000) });
  return { status: res.status, body: (await res.json().catch(() => undefined)) as T };
}

interface JaegerSpan {
  traceID: string;
  tags: { key: string; value: unknown }[];
}

describeWhereDockerRuns('the Docker Compose stack (container test)', function () {
  this.timeout(120_000);
  let scenarios: Journal[] = [];
  let started = false;

  before(function () {
    this.timeout(30 * 60_000);
    const unavailable = dockerComposeUnavailable();
    if (unavailable !== undefined)
      throw new Error(`the container test needs Docker with the compose plugin: ${unavailable}`);
    compose(['build'], 20 * 60_000);
    started = true;
    compose(['up', '-d', '--wait', '--wait-timeout', '300'], 8 * 60_000);
  });

  after(function () {
    this.timeout(180_000);
    if (started) compose(['down', '-v', '--remove-orphans'], 180_000);
  });

  it('brings every long-running service up healthy', () => {
    // one JSON object per line (Compose 2.21 and later) or one array (before)
    const output = compose(['ps', '--format', 'json']).trim();
    const states = (
      output.startsWith('[') ? JSON.parse(output) : output.split('\n').map((line) => JSON.parse(line))
    ) as {
      Service: string;
      State: string;
      Health: string;
    }[];
    const expected = [
      'api',
      'risk',
      'alert-sink',
      'postgres',
      'postgres-exporter',
      'prometheus',
      'alertmanager',
      'grafana',
      'jaeger',
    ];
    expect(states.map((s) => s.Service).sort()).to.include.members(expected);
    for (const s of states.filter((x) => expected.includes(x.Service)))
      expect(`${s.Service} ${s.State} ${s.Health}`).to.equal(`${s.Service} running healthy`);
  });

  it('has Prometheus scrape every target up', async () => {
    const config = YAML.parse(
      fs.readFileSync(path.join(ROOT, 'monitoring/prometheus', ENV.PROMETHEUS_CONFIG), 'utf8'),
    ) as {
      scrape_configs: { static_configs: { targets: string[] }[] }[];
    };
    const targets = new Set(config.scrape_configs.flatMap((s) => s.static_configs.flatMap((c) => c.targets)));
    const { up, skipped } = await waitForTargetsUp(url('PROMETHEUS_PORT'), targets, { timeoutMs: 60_000 });
    expect(up.map((t) => t.address).sort()).to.deep.equal([...targets].sort());
    expect(skipped).to.deep.equal([]);
  });

  it('has Alertmanager deliver a test alert to the alert sink', async () => {
    const alertname = `ComposeContainerTest${Date.now()}`;
    const res = await fetch(`${url('ALERTMANAGER_PORT')}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ labels: { alertname, severity: 'info' }, annotations: { summary: 'container test' } }]),
    });
    expect(res.status, await res.text()).to.equal(200);
    await waitUntil(
      `${alertname} at the sink`,
      async () => (await getJson<ReceivedAlert[]>(`${url('ALERT_SINK_PORT')}/alerts?alertname=${alertname}`)).body,
      { until: (alerts) => Array.isArray(alerts) && alerts.length > 0, timeoutMs: 30_000, intervalMs: 500 },
    );
  });

  it('passes scenario 1 (fast profile) against the stack; scenario 5 adds errors and a slow database', async function () {
    this.timeout(10 * 60_000);
    scenarios = await runCases([1, 5], {
      apiUrl: url('API_PORT'),
      prometheusUrl: url('PROMETHEUS_PORT'),
      alertmanagerUrl: url('ALERTMANAGER_PORT'),
      profile: PROFILES.fast,
      log: (line) => process.stdout.write(`      ${line.replaceAll('\n', '\n      ')}\n`),
    });
    expect(scenarios.map((j) => [j.scenario.id, j.verdict])[0]).to.deep.equal([1, 'pass']);
    expect(scenarios).to.have.length(2);
  });

  it('serves the control room, which reaches the API, Prometheus and Alertmanager over the container network', async () => {
    const room = url('CONTROL_ROOM_PORT');
    const openapi = await getJson<{ components: { schemas: Record<string, unknown> } }>(`${room}/openapi.json`);
    expect(openapi.status).to.equal(200);
    expect(openapi.body.components.schemas).to.have.property('FaultUpdate');
    const catalogue = await getJson<{ signals: { exprs: string[] }[] }>(`${room}/catalogue.json`);
    const expr = catalogue.body.signals[0]?.exprs[0] ?? expect.fail('no signal in the catalogue');
    const end = Math.floor(Date.now() / 1000);
    const range = await getJson<{ data: { result: unknown[] } }>(
      `${room}/prometheus/api/v1/query_range?${new URLSearchParams({ query: expr, start: String(end - 300), end: String(end), step: '2' }).toString()}`,
    );
    expect(range.status).to.equal(200);
    expect(range.body.data.result, `${expr} after the scenarios`).to.not.have.lengthOf(0);
    expect((await getJson(`${room}/prometheus/api/v1/alerts`)).status).to.equal(200);
    expect((await getJson(`${room}/alertmanager/api/v2/alerts`)).status).to.equal(200);
  });

  describe('Grafana', () => {
    it('lets admin log in with the workshop password', async () => {
      const res = await fetch(`${url('GRAFANA_PORT')}/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ user: 'admin', password: 'workshop' }),
      });
      expect(res.status, await res.text()).to.equal(200);
      expect(res.headers.getSetCookie().some((c) => c.startsWith('grafana_session='))).to.equal(true);
    });

    for (const uid of ['prometheus', 'jaeger']) {
      it(`finds the provisioned ${uid} data source healthy`, async () => {
        const { status, body } = await getJson<{ status: string; message: string }>(
          `${url('GRAFANA_PORT')}/api/datasources/uid/${uid}/health`,
          GRAFANA_AUTH,
        );
        expect([status, body?.status], body?.message).to.deep.equal([200, 'OK']);
      });
    }

    it('has every provisioned dashboard', async () => {
      for (const file of fs.readdirSync(DASHBOARDS_DIR).filter((f) => f.endsWith('.json'))) {
        const { uid, title } = JSON.parse(fs.readFileSync(path.join(DASHBOARDS_DIR, file), 'utf8')) as {
          uid: string;
          title: string;
        };
        const { status, body } = await getJson<{ dashboard?: { title: string } }>(
          `${url('GRAFANA_PORT')}/api/dashboards/uid/${uid}`,
          GRAFANA_AUTH,
        );
        expect([status, body?.dashboard?.title], file).to.deep.equal([200, title]);
      }
    });

    it('returns data for every panel and annotation query through its query API, after the scenarios', async () => {
      expect(scenarios, 'the scenarios ran first').to.not.have.lengthOf(0);
      const queries = dashboardQueries();
      const empty = async (): Promise<string[]> => {
        const missing: string[] = [];
        for (const { dashboard, panel, expr } of queries) {
          const res = await fetch(`${url('GRAFANA_PORT')}/api/ds/query`, {
            method: 'POST',
            headers: { ...GRAFANA_AUTH, 'content-type': 'application/json' },
            body: JSON.stringify({
              from: 'now-15m',
              to: 'now',
              queries: [
                {
                  refId: 'A',
                  datasource: { uid: 'prometheus' },
                  expr,
                  range: true,
                  intervalMs: 1000,
                  maxDataPoints: 300,
                },
              ],
            }),
          });
          const body = (await res.json()) as {
            results?: { A?: { error?: string; frames?: { data?: { values?: unknown[][] } }[] } };
          };
          const frames = body.results?.A?.frames ?? [];
          const hasData =
            res.ok &&
            frames.some((f) => (f.data?.values?.[1] ?? []).some((v) => typeof v === 'number' && !Number.isNaN(v)));
          if (!hasData)
            missing.push(`${dashboard} / ${panel}: ${body.results?.A?.error ?? `HTTP ${res.status}, no data`}`);
        }
        return missing;
      };
      const missing = await waitUntil('data for every panel', empty, {
        until: (list) => list.length === 0,
        timeoutMs: 60_000,
        intervalMs: 5_000,
      }).catch(async () => empty());
      expect(missing, 'panels without data').to.deep.equal([]);
    });
  });

  describe('Jaeger', () => {
    it("returns the API's traces, with HTTP and database spans", async () => {
      const traces = await waitUntil(
        'fintech-api traces in Jaeger',
        async () =>
          (
            await getJson<{ data: { spans: JaegerSpan[] }[] }>(
              `${url('JAEGER_UI_PORT')}/api/traces?service=fintech-api&limit=200&lookback=1h`,
            )
          ).body?.data ?? [],
        { until: (data) => data.length > 0, timeoutMs: 30_000, intervalMs: 1_000 },
      );
      const keys = new Set(traces.flatMap((t) => t.spans.flatMap((s) => s.tags.map((tag) => tag.key))));
      expect(
        [...keys].some((k) => k.startsWith('http.')),
        'an HTTP span attribute',
      ).to.equal(true);
      expect(
        [...keys].some((k) => k.startsWith('db.')),
        'a database span attribute',
      ).to.equal(true);
    });

    it("finds a trace id from the API's logs", async () => {
      const ids = compose(['logs', '--no-color', '--no-log-prefix', 'api'])
        .split('\n')
        .flatMap((line) => {
          try {
            const id = (JSON.parse(line) as { trace_id?: string }).trace_id;
            return id ? [id] : [];
          } catch {
            return [];
          }
        });
      const id = ids.at(-1) ?? expect.fail('no log line of the API carries a trace_id');
      const { status, body } = await waitUntil(
        `trace ${id} in Jaeger`,
        () => getJson<{ data?: { traceID: string }[] }>(`${url('JAEGER_UI_PORT')}/api/traces/${id}`),
        { until: (r) => r.status === 200, timeoutMs: 30_000, intervalMs: 1_000 },
      );
      expect([status, body.data?.[0]?.traceID]).to.deep.equal([200, id]);
    });
  });

  // mocha runs a suite's own tests before its child suites: this one comes last as a suite of its own
  describe('removal', () => {
    it('leaves no container, volume or network behind after docker compose down -v', function () {
      this.timeout(180_000);
      compose(['down', '-v', '--remove-orphans'], 180_000);
      expect({
        containers: leftovers('ps'),
        volumes: leftovers('volume'),
        networks: leftovers('network'),
      }).to.deep.equal({
        containers: [],
        volumes: [],
        networks: [],
      });
    });
  });
});
