import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import { Client } from 'pg';
import { renderHaproxyConfig, type Replica } from '../../stack/haproxy';
import { findExecutable, TOOLS } from '../../stack/tools';
import { adminUrl } from '../support/app';
import { auditLedger } from '../support/ledger';
import { waitUntil } from '../../kit/wait';
import { freshDatabase } from '../../kit/postgres';
import { spawnServer, type ServerProcess } from '../support/server-process';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy';

/** Fixed ports of this suite (20200-20399 is its range). */
const PORTS = { haproxy: 20200, haproxyMetrics: 20201, replicas: [20202, 20203, 20204], late: 20205, dbProxy: 20206 };
const REFRESH_MS = 1_000;

interface Failures {
  version: number;
  instance_id: string;
  current_config: Record<string, unknown>;
  faults: Record<string, { active: boolean; expires_at?: string }>;
  store: { stale_seconds: number; replicas: { instance_id: string; applied_version: number }[] };
}

async function failures(baseUrl: string): Promise<Failures> {
  const res = await fetch(`${baseUrl}/api/failures`);
  if (res.status !== 200) throw new Error(`GET /api/failures answered ${res.status}`);
  return (await res.json()) as Failures;
}

/** The fields these tests read from a POST's answer; which are present depends on the status. */
interface Answer {
  version: number;
  faults: Record<string, { expires_at: string }>;
  error: { code: string; details: { problems: { path: string }[] } };
}

async function post(baseUrl: string, route: string, body: unknown = {}): Promise<{ status: number; body: Answer }> {
  const res = await fetch(`${baseUrl}${route}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Answer };
}

/** Sum of every sample of the named metrics in a Prometheus text exposition. */
function sumOf(exposition: string, names: string[]): number {
  return exposition
    .split('\n')
    .filter((line) => names.some((n) => line.startsWith(`${n}{`) || line.startsWith(`${n} `)))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

/** Milliseconds until every replica applies `version`, polled every 10 ms; fails after 3 s. */
async function propagation(urls: string[], version: number, since: number): Promise<number> {
  await Promise.all(
    urls.map((url) =>
      waitUntil(`${url} to apply version ${version}`, () => failures(url), {
        until: (f) => f.version >= version,
        timeoutMs: 3_000,
        intervalMs: 10,
      }),
    ),
  );
  return performance.now() - since;
}

describe('three API replicas behind HAProxy, one fault state in PostgreSQL', function () {
  this.timeout(60_000);
  const haproxyBin = findExecutable(TOOLS.haproxy);
  let databaseUrl: string;
  let dbProxy: TcpProxy;
  let replicas: ServerProcess[] = [];
  let haproxy: ChildProcess | undefined;
  let dir: string;
  const lb = `http://127.0.0.1:${PORTS.haproxy}`;
  const urls = () => replicas.map((r) => r.baseUrl);

  const env = (id: string, url = databaseUrl) => ({
    DATABASE_URL: url,
    INSTANCE_ID: id,
    FAULT_STORE: 'postgres',
    FAULT_STORE_REFRESH_MS: String(REFRESH_MS),
    LOG_LEVEL: 'warn',
  });

  before(async function () {
    if (!haproxyBin) throw new Error('haproxy is not installed: run scripts/ensure-tools.sh');
    databaseUrl = await freshDatabase(adminUrl());
    const db = new URL(databaseUrl);
    // api-3 reaches PostgreSQL through a relay the tests can cut: its own database outage.
    dbProxy = await startTcpProxy({ host: db.hostname, port: Number(db.port) }, PORTS.dbProxy);
    const viaProxy = Object.assign(new URL(databaseUrl), { port: String(dbProxy.port) }).toString();
    replicas = await Promise.all(
      PORTS.replicas.map((port, i) => spawnServer(env(`api-${i + 1}`, i === 2 ? viaProxy : databaseUrl), { port })),
    );
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fintech-haproxy-'));
    const servers: Replica[] = replicas.map((r, i) => ({ id: `api-${i + 1}`, port: r.port }));
    const config = path.join(dir, 'haproxy.cfg');
    fs.writeFileSync(
      config,
      renderHaproxyConfig({
        port: PORTS.haproxy,
        metricsPort: PORTS.haproxyMetrics,
        socket: path.join(dir, 'admin.sock'),
        replicas: servers,
      }),
    );
    haproxy = spawn(haproxyBin, ['-db', '-f', config], { stdio: 'ignore' });
    await waitUntil(
      'HAProxy to see every replica UP',
      async () => (await fetch(`http://127.0.0.1:${PORTS.haproxyMetrics}/metrics`)).text(),
      {
        until: (text) =>
          servers.every((s) =>
            new RegExp(`haproxy_server_status\\{[^}]*server="${s.id}"[^}]*state="UP"[^}]*\\} 1`).test(text),
          ),
        timeoutMs: 15_000,
        intervalMs: 100,
      },
    );
    await waitUntil('every replica to be known to the store', () => failures(lb), {
      until: (f) => f.store.replicas.length === 3,
      timeoutMs: 10_000,
      intervalMs: 100,
    });
  });

  after(async () => {
    haproxy?.kill('SIGTERM');
    await Promise.all(replicas.map((r) => r.kill()));
    await dbProxy?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  afterEach(async () => {
    const live = replicas.filter((r) => r.child.exitCode === null && r.child.signalCode === null);
    const { body } = await post(live[0]!.baseUrl, '/api/reset');
    await propagation(
      live.map((r) => r.baseUrl),
      body.version,
      performance.now(),
    );
  });

  it('applies a change made through any replica on every replica within 1 s', async () => {
    for (const [i, replica] of replicas.entries()) {
      const since = performance.now();
      const { status, body } = await post(replica.baseUrl, '/api/failures', { latency_ms: 10 + i });
      expect(status).to.equal(200);
      expect(await propagation(urls(), body.version, since), `through api-${i + 1}, ms`).to.be.below(1_000);
    }
    for (const url of urls()) expect((await failures(url)).current_config).to.include({ latency_ms: 12 });
  });

  it('clears every replica on a reset made through any one of them', async () => {
    await post(lb, '/api/failures', { error_rate: 100 });
    const since = performance.now();
    const { body } = await post(replicas[2]!.baseUrl, '/api/reset');
    expect(await propagation(urls(), body.version, since)).to.be.below(1_000);
    for (const url of urls()) expect((await failures(url)).faults.error_rate?.active, url).to.equal(false);
    for (let n = 0; n < 6; n += 1) expect((await fetch(`${lb}/api/balance`)).status).to.equal(200);
  });

  it('ends an expiring fault on every replica within the same second', async () => {
    const { body } = await post(lb, '/api/failures', { error_rate: 100, duration_s: 2 });
    await propagation(urls(), body.version, performance.now());
    const expiresAt = Date.parse(body.faults.error_rate?.expires_at ?? '');
    const endedAt = await Promise.all(
      urls().map(async (url) => {
        await waitUntil(`${url} to end the fault`, () => failures(url), {
          until: (f) => !f.faults.error_rate?.active,
          timeoutMs: 5_000,
          intervalMs: 20,
        });
        return Date.now();
      }),
    );
    expect(Math.max(...endedAt) - Math.min(...endedAt), 'spread between replicas, ms').to.be.below(1_000);
    expect(Math.max(...endedAt) - expiresAt, 'after expires_at, ms').to.be.below(1_000);
  });

  it('gives a replica started later the current state', async () => {
    const { body } = await post(lb, '/api/failures', { latency_ms: 7, instances: ['api-2'] });
    const late = await spawnServer(env('api-late'), { port: PORTS.late });
    try {
      const seen = await waitUntil('the late replica to apply the state', () => failures(late.baseUrl), {
        until: (f) => f.version >= body.version,
        timeoutMs: 10_000,
        intervalMs: 100,
      });
      expect(seen.current_config).to.include({ latency_ms: 7 });
      expect(seen.faults.latency?.active, 'targets api-2 only').to.equal(false);
    } finally {
      await late.kill();
    }
  });

  it('lets a replica that lost its database keep its last state, say how stale it is, and catch up after', async () => {
    dbProxy.cut();
    try {
      const { body } = await post(replicas[0]!.baseUrl, '/api/failures', { latency_ms: 5 });
      await propagation(urls().slice(0, 2), body.version, performance.now());
      const cut = await waitUntil('api-3 to report a stale copy', () => failures(replicas[2]!.baseUrl), {
        until: (f) => f.store.stale_seconds > 2,
        timeoutMs: 6_000,
        intervalMs: 100,
      });
      expect(cut.version, 'api-3 still applies the old state').to.be.below(body.version);
      expect((await post(replicas[2]!.baseUrl, '/api/failures', { latency_ms: 9 })).body.error.code).to.equal(
        'FAULT_STORE_UNAVAILABLE',
      );
      dbProxy.restore();
      const since = performance.now();
      await propagation([replicas[2]!.baseUrl], body.version, since);
      expect((await failures(replicas[2]!.baseUrl)).current_config).to.include({ latency_ms: 5 });
    } finally {
      dbProxy.restore();
    }
  });

  const hostileTargets: [string, unknown][] = [
    ['an unknown id', ['api-1', 'api-404']],
    ['a string instead of a list', 'api-1'],
    ['a number', 2],
    ['numbers in the list', [1, 2]],
    ['null in the list', [null]],
    ['an object', { id: 'api-1' }],
    ['an empty list', []],
    ['too many ids', Array.from({ length: 17 }, (_, i) => `api-${i}`)],
    ['a duplicate', ['api-1', 'api-1']],
    ['a path-like id', ['../api-1']],
    ['a 64-character id', ['a'.repeat(64)]],
  ];
  for (const [name, instances] of hostileTargets) {
    it(`refuses hostile targeting input (${name}) with a 400 and changes nothing`, async () => {
      const before = await failures(lb);
      const res = await post(lb, '/api/failures', { error_rate: 50, instances });
      expect(res.status).to.equal(400);
      expect(res.body.error.details.problems.map((p) => p.path)).to.satisfy((paths: string[]) =>
        paths.every((p) => p.startsWith('body.instances')),
      );
      const after = await failures(lb);
      expect(after.version).to.equal(before.version);
      expect(after.current_config).to.include({ error_rate: 0 });
    });
  }

  it('keeps the money exact when one replica is killed under load: HAProxy routes around it, retries are idempotent', async () => {
    const accounts = ['ACC-001', 'ACC-002', 'ACC-003', 'ACC-004', 'ACC-005'];
    const before = await auditLedger(databaseUrl);
    const acknowledged = new Map<string, string>();
    const haproxyRetries = async () =>
      sumOf(await (await fetch(`http://127.0.0.1:${PORTS.haproxyMetrics}/metrics`)).text(), [
        'haproxy_backend_retry_warnings_total',
        'haproxy_backend_redispatch_warnings_total',
      ]);
    const retriedBefore = await haproxyRetries();
    // api-2 holds each request 300 ms before its handler: requests are in flight on it when it dies.
    await post(lb, '/api/failures', { latency_ms: 300, instances: ['api-2'] });
    let failedAttempts = 0;
    let lost = 0;
    const deadline = Date.now() + 6_000;
    const worker = async () => {
      while (Date.now() < deadline) {
        const key = `replicas-${randomUUID()}`;
        const from = accounts[Math.floor(Math.random() * accounts.length)]!;
        const to = accounts.find((a) => a !== from)!;
        let done = false;
        for (let attempt = 0; attempt < 8 && !done; attempt += 1) {
          try {
            const res = await fetch(`${lb}/api/transfers`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', 'idempotency-key': key },
              body: JSON.stringify({ from_account: from, to_account: to, amount: '0.01' }),
              signal: AbortSignal.timeout(3_000),
            });
            const body = (await res.json()) as { transaction_id?: string };
            if (res.status === 201 || res.status === 200) {
              const previous = acknowledged.get(key);
              if (previous && previous !== body.transaction_id) throw new Error(`${key} acknowledged twice`);
              acknowledged.set(key, body.transaction_id!);
              done = true;
            } else failedAttempts += 1;
          } catch {
            failedAttempts += 1;
          }
          if (!done) await sleep(50 * 2 ** attempt);
        }
        if (!done) lost += 1;
      }
    };
    const load = Promise.all(Array.from({ length: 8 }, worker));
    await sleep(2_000);
    const killed = replicas[1]!;
    killed.child.kill('SIGKILL');
    await killed.exited;
    await load;

    expect(lost, 'transfers that never got an answer').to.equal(0);
    const after = await auditLedger(databaseUrl);
    expect(after.totalBalanceCents, 'total balance').to.equal(before.totalBalanceCents);
    expect(after.unbalancedTransactions).to.equal(0);
    expect(after.driftedAccounts).to.equal(0);
    const c = new Client({ connectionString: databaseUrl });
    await c.connect();
    try {
      const { rows } = await c.query<{ idempotency_key: string; id: string }>(
        "SELECT idempotency_key, id::text FROM transactions WHERE idempotency_key LIKE 'replicas-%'",
      );
      expect(rows.length, 'one transaction per acknowledged transfer').to.equal(acknowledged.size);
      for (const row of rows) expect(acknowledged.get(row.idempotency_key), row.idempotency_key).to.equal(row.id);
    } finally {
      await c.end();
    }
    const metrics = await (await fetch(`http://127.0.0.1:${PORTS.haproxyMetrics}/metrics`)).text();
    expect(metrics).to.match(/haproxy_server_status\{[^}]*server="api-2"[^}]*state="DOWN"[^}]*\} 1/);
    expect(acknowledged.size, 'transfers acknowledged').to.be.above(50);
    const retried = failedAttempts + (await haproxyRetries()) - retriedBefore;
    expect(retried, 'attempts retried by the clients or by HAProxy').to.be.above(0);
  });
});
