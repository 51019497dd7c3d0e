import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { auditLedger, type LedgerAudit } from '../support/ledger';
import { waitUntil, timed } from '../../kit/wait';
import { createDatabase, startEmbeddedPostgres, type TestPostgres } from '../../kit/postgres';
import { spawnServer, type ServerProcess } from '../support/server-process';

const CONNECT_TIMEOUT_MS = 1_000;
const STATEMENT_TIMEOUT_MS = 2_000;
/** No request may take longer than waiting for a connection plus one statement. */
const MAX_LATENCY_MS = CONNECT_TIMEOUT_MS + STATEMENT_TIMEOUT_MS;
const WORKERS = 8;
const DATABASE_CODES = ['DATABASE_UNAVAILABLE', 'DATABASE_TIMEOUT', 'DATABASE_BUSY'];

type Phase = 'up' | 'stopping' | 'down' | 'starting' | 'recovered';

interface Sample {
  /** The phase the request was sent in; `within` is false when the phase changed before the answer. */
  phase: Phase;
  within: boolean;
  path: string;
  status: number;
  code?: string;
  ms: number;
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
};

describe('database outage and recovery under load (real server process, real PostgreSQL stopped and started)', function () {
  this.timeout(90_000);
  let pg: TestPostgres;
  let s: ServerProcess;
  let url: string;
  let initial: LedgerAudit;
  let phase: Phase = 'up';
  let loadRunning = true;
  const samples: Sample[] = [];
  const during = (p: Phase) => samples.filter((x) => x.phase === p);
  const databaseRoutesWhileDown = () => during('down').filter((x) => x.path !== '/livez' && x.within);
  /** Fails at once, with the process's last words, if the server died. */
  const expectAlive = (when: string) => {
    if (s.child.exitCode !== null || s.child.signalCode !== null) {
      throw new Error(
        `the server process died ${when} (exit ${s.child.exitCode ?? s.child.signalCode}):\n${s.stderr.join('').slice(0, 2_000)}`,
      );
    }
  };
  const probes: {
    healthz?: { status: number; body: { status?: string; checks?: { database?: { status?: string } } }; ms: number };
    livez?: { status: number; ms: number };
  } = {};
  let uptimeBefore = 0;
  let uptimeAfter = 0;
  let recoveryMs = 0;

  /** One request of the load, timed; a network error or a client-side timeout is status 0. */
  const call = async (path: string, init?: RequestInit): Promise<void> => {
    const at = phase;
    const started = performance.now();
    let status: number;
    let code: string | undefined;
    try {
      const res = await fetch(`${s.baseUrl}${path}`, { ...init, signal: AbortSignal.timeout(15_000) });
      status = res.status;
      const body = (await res.json()) as { error?: { code?: string } };
      code = body.error?.code;
    } catch {
      status = 0;
    }
    samples.push({ phase: at, within: at === phase, path, status, code, ms: performance.now() - started });
  };

  const worker = async (n: number) => {
    for (let i = 0; loadRunning; i += 1) {
      if ((i + n) % 2 === 0) {
        await call('/api/balance');
      } else {
        const [from, to] = i % 4 < 2 ? ['ACC-002', 'ACC-003'] : ['ACC-003', 'ACC-002'];
        await call('/api/transfers', {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() },
          body: JSON.stringify({ from_account: from, to_account: to, amount: '0.01' }),
        });
      }
      if (i % 5 === 0) await call('/livez');
    }
  };

  before(async () => {
    pg = await startEmbeddedPostgres();
    url = await createDatabase(pg.adminUrl, 'fintech');
    s = await spawnServer({
      DATABASE_URL: url,
      DB_CONNECT_TIMEOUT_MS: String(CONNECT_TIMEOUT_MS),
      DB_STATEMENT_TIMEOUT_MS: String(STATEMENT_TIMEOUT_MS),
      LOG_LEVEL: 'warn',
    });
    await waitUntil('the schema and demo data', () => fetch(`${s.baseUrl}/api/balance`).then((r) => r.status), {
      until: (st) => st === 200,
      timeoutMs: 10_000,
    });
    initial = await auditLedger(url);
    uptimeBefore = ((await (await fetch(`${s.baseUrl}/livez`)).json()) as { uptime_s: number }).uptime_s;

    const load = Array.from({ length: WORKERS }, (_, n) => worker(n));
    try {
      await waitUntil(
        '100 answered requests before the outage',
        () => during('up').filter((x) => x.status === 200).length,
        { until: (n) => n >= 100, timeoutMs: 20_000 },
      );

      phase = 'stopping';
      await pg.stop();
      phase = 'down';
      await waitUntil(
        '400 requests to database routes answered while PostgreSQL is down',
        () => databaseRoutesWhileDown().length,
        { until: (n) => n >= 400, timeoutMs: 20_000 },
      ).finally(() => expectAlive('while PostgreSQL was down'));
      const healthz = await timed(() => fetch(`${s.baseUrl}/healthz`));
      probes.healthz = { status: healthz.value.status, body: (await healthz.value.json()) as never, ms: healthz.ms };
      const livez = await timed(() => fetch(`${s.baseUrl}/livez`));
      probes.livez = { status: livez.value.status, ms: livez.ms };

      phase = 'starting';
      await pg.start();
      const started = performance.now();
      phase = 'recovered';
      await waitUntil(
        'the first 200 from /api/balance after PostgreSQL is back',
        () => fetch(`${s.baseUrl}/api/balance`).then((r) => r.status),
        { until: (st) => st === 200, timeoutMs: 20_000, intervalMs: 20 },
      );
      recoveryMs = performance.now() - started;
      expectAlive('after PostgreSQL came back');
      await waitUntil(
        '100 answered requests after recovery',
        () => during('recovered').filter((x) => x.status === 200).length,
        { until: (n) => n >= 100, timeoutMs: 20_000 },
      );
    } finally {
      loadRunning = false;
      await Promise.all(load);
    }
    uptimeAfter = ((await (await fetch(`${s.baseUrl}/livez`)).json()) as { uptime_s: number }).uptime_s;

    const down = databaseRoutesWhileDown();
    const all = samples.filter((x) => x.path !== '/livez');
    console.log(`      requests: ${samples.length} (${down.length} to database routes while PostgreSQL was down)`);
    console.log(
      `      latency while down: p50 ${percentile(
        down.map((x) => x.ms),
        50,
      ).toFixed(0)} ms, p99 ${percentile(
        down.map((x) => x.ms),
        99,
      ).toFixed(
        0,
      )} ms, max ${Math.max(...down.map((x) => x.ms)).toFixed(0)} ms; max over the whole run ${Math.max(...all.map((x) => x.ms)).toFixed(0)} ms (bound ${MAX_LATENCY_MS} ms)`,
    );
    console.log(
      `      recovery: first 200 from /api/balance ${recoveryMs.toFixed(0)} ms after PostgreSQL started again`,
    );
  });

  after(async () => {
    await s?.kill('SIGKILL');
    await pg?.dispose();
  });

  it('answers every database route with 503 and a database error code while PostgreSQL is down', () => {
    const down = databaseRoutesWhileDown();
    expect(down.length).to.be.at.least(400);
    const other = down.filter((x) => x.status !== 503 || !DATABASE_CODES.includes(x.code ?? ''));
    expect(other.map((x) => `${x.path} ${x.status} ${x.code}`)).to.deep.equal([]);
  });

  it('reports /healthz 503 unhealthy with the database check failed, and /livez 200, quickly', () => {
    expect(probes.healthz?.status).to.equal(503);
    expect(probes.healthz?.body.status).to.equal('unhealthy');
    expect(probes.healthz?.body.checks?.database?.status).to.equal('failed');
    expect(probes.healthz?.ms).to.be.below(CONNECT_TIMEOUT_MS + 500);
    expect(probes.livez?.status).to.equal(200);
    const livez = samples.filter((x) => x.path === '/livez');
    expect(livez.filter((x) => x.status !== 200)).to.deep.equal([]);
    expect(Math.max(...livez.map((x) => x.ms))).to.be.below(1_000);
  });

  it(`never keeps a request longer than DB_CONNECT_TIMEOUT_MS + DB_STATEMENT_TIMEOUT_MS (${MAX_LATENCY_MS} ms), and never drops one`, () => {
    expect(samples.filter((x) => x.status === 0)).to.deep.equal([]);
    const slow = samples.filter((x) => x.ms >= MAX_LATENCY_MS);
    expect(slow.map((x) => `${x.phase} ${x.path} ${x.status} ${Math.round(x.ms)} ms`)).to.deep.equal([]);
  });

  it('answers only 200, 201 or a database 503 in every phase: no 500, no unhandled error', () => {
    const odd = samples.filter(
      (x) => ![200, 201].includes(x.status) && !(x.status === 503 && DATABASE_CODES.includes(x.code ?? '')),
    );
    expect(odd.map((x) => `${x.phase} ${x.path} ${x.status} ${x.code}`)).to.deep.equal([]);
    expect(s.logs().filter((l) => l.message === 'unhandled error')).to.deep.equal([]);
  });

  it('recovers by itself, without a restart, within 10 s of PostgreSQL starting again', () => {
    expect(recoveryMs).to.be.above(0).and.below(10_000);
    expect(s.child.exitCode).to.equal(null);
    expect(s.child.signalCode).to.equal(null);
    expect(uptimeAfter).to.be.at.least(uptimeBefore);
    expect(s.stderr.join('')).to.equal('');
  });

  it('lost no money: transfers cut by the outage either happened whole or not at all', async () => {
    const audit = await auditLedger(url);
    expect(audit.totalBalanceCents).to.equal(initial.totalBalanceCents);
    expect(audit).to.include({ unbalancedTransactions: 0, driftedAccounts: 0, negativeBalances: 0 });
    expect(audit.transactions).to.be.greaterThan(initial.transactions);
  });
});
