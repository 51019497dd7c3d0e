import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { PrometheusClient } from '../../kit/prometheus';
import { replicaLayout } from '../../stack/haproxy';
import type { Ports } from '../../stack/options';
import { startStack, stackStatus, stopStack, type Stack } from '../../stack/stack';
import { ensureTools } from './helpers';

/** This suite's ports (20200-20399): HAProxy's metrics at API + 100 and the replicas after it fall in the range too. */
const PORTS: Ports = {
  api: 20250,
  prometheus: 20290,
  alertmanager: 20293,
  postgres: 20242,
  postgresExporter: 20287,
  alertSink: 20299,
  controlRoom: 20296,
  risk: 20297,
};
const LAYOUT = replicaLayout(PORTS.api, 3);

describe('native stack with REPLICAS=3: replicas behind HAProxy on the API port', function () {
  this.timeout(90_000);
  let stateDir: string;
  let stack: Stack;

  before(async function () {
    this.timeout(300_000);
    ensureTools();
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'stack-replicas-'));
    stack = await startStack({
      stateDir,
      ports: PORTS,
      profile: 'fast',
      components: ['postgres', 'api', 'prometheus'],
      replicas: 3,
      apiCommand: [process.execPath, '--import', 'tsx', 'app/server.ts'],
      apiEnv: { LOG_LEVEL: 'warn' },
      readyTimeoutMs: 60_000,
    });
  });

  after(async () => {
    if (stateDir) await stopStack(stateDir);
    if (stateDir) fs.rmSync(stateDir, { recursive: true, force: true });
  });

  it('has Prometheus scrape every replica itself and HAProxy, each up', async () => {
    const prometheus = new PrometheusClient(stack.urls.prometheus);
    const health = Object.fromEntries((await prometheus.targets()).map((t) => [t.address, t.health]));
    for (const r of LAYOUT.replicas) expect(health[`127.0.0.1:${r.port}`], r.id).to.equal('up');
    expect(health[`127.0.0.1:${LAYOUT.metricsPort}`], 'haproxy').to.equal('up');
    const ids = (await prometheus.query('app_info')).map((s) => s.labels['instance_id']).sort();
    expect(ids).to.deep.equal(['api-1', 'api-2', 'api-3']);
    const servers = await prometheus.query('haproxy_server_status{state="UP"} == 1');
    expect(servers.map((s) => s.labels['server']).sort()).to.deep.equal(['api-1', 'api-2', 'api-3']);
  });

  it('answers on the API port from every replica in turn', async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 6; i += 1) {
      const res = await fetch(`${stack.urls.api}/api/balance`);
      expect(res.status).to.equal(200);
      seen.add(res.headers.get('x-instance-id') ?? '');
    }
    expect([...seen].sort()).to.deep.equal(['api-1', 'api-2', 'api-3']);
  });

  it('shows each replica in the status', async () => {
    const statuses = await stackStatus({ stateDir });
    const healthy = statuses.filter((s) => s.healthy).map((s) => s.name);
    expect(healthy).to.include.members(['api', 'api-1', 'api-2', 'api-3', 'haproxy-metrics']);
  });
});
