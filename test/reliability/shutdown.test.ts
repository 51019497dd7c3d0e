import http from 'node:http';
import { expect } from 'chai';
import { Client } from 'pg';
import { adminUrl } from '../support/app';
import { parseExposition, sampleSum } from '../../kit/exposition';
import { waitUntil } from '../../kit/wait';
import { freshDatabase } from '../../kit/postgres';
import { spawnServer, type ServerProcess } from '../support/server-process';

const MB = 1024 * 1024;

interface Outcome {
  sentAt: number;
  doneAt: number;
  status?: number;
  code?: string;
  /** The socket error code when no answer came back (ECONNREFUSED, ECONNRESET). */
  error?: string;
}

/** One request on its own connection (no keep-alive), so "refused" means the listener is closed. */
function request(
  baseUrl: string,
  method: string,
  path: string,
  body?: string,
  headers: Record<string, string> = {},
): Promise<Outcome> {
  const url = new URL(baseUrl);
  const sentAt = performance.now();
  return new Promise((resolve) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        method,
        path,
        agent: false,
        headers: {
          ...headers,
          ...(body && { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          let code: string | undefined;
          try {
            code = (JSON.parse(Buffer.concat(chunks).toString()) as { error?: { code?: string } }).error?.code;
          } catch {
            code = undefined;
          }
          resolve({ sentAt, doneAt: performance.now(), status: res.statusCode, code });
        });
        res.on('error', (err: NodeJS.ErrnoException) =>
          resolve({ sentAt, doneAt: performance.now(), error: err.code ?? err.message }),
        );
      },
    );
    req.setTimeout(20_000, () => req.destroy(Object.assign(new Error('client timeout'), { code: 'CLIENT_TIMEOUT' })));
    req.on('error', (err: NodeJS.ErrnoException) =>
      resolve({ sentAt, doneAt: performance.now(), error: err.code ?? err.message }),
    );
    req.end(body);
  });
}

/** Sessions PostgreSQL counted for a database, and how many of them ended without the client saying goodbye. */
async function sessionStats(database: string): Promise<{ sessions: number; abandoned: number }> {
  const c = new Client({ connectionString: adminUrl() });
  await c.connect();
  try {
    const { rows } = await c.query<{ sessions: number; abandoned: number }>(
      'SELECT sessions::int, sessions_abandoned::int AS abandoned FROM pg_stat_database WHERE datname = $1',
      [database],
    );
    return rows[0] ?? { sessions: 0, abandoned: 0 };
  } finally {
    await c.end();
  }
}

async function apiConnections(database: string): Promise<number> {
  const c = new Client({ connectionString: adminUrl() });
  await c.connect();
  try {
    const { rows } = await c.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'fintech-api' AND datname = $1",
      [database],
    );
    return rows[0]?.n ?? 0;
  } finally {
    await c.end();
  }
}

describe('shutdown and limits (real server process)', function () {
  this.timeout(60_000);

  describe('SIGTERM under sustained load', () => {
    const WORKERS = 12;
    /** Every transfer waits 400-1000 ms, so requests are always in flight and the workers fall out of step. */
    const LATENCY = { latency_ms: 400, latency_jitter_ms: 600 };
    /** A request sent this long before SIGTERM has surely been accepted by the server. */
    const ACCEPTED_MARGIN_MS = 250;
    let s: ServerProcess;
    let database: string;
    const outcomes: Outcome[] = [];
    let sigtermAt = 0;
    let exitCode: number | null = null;
    let connectionsUnderLoad = 0;
    let refusedAfterExit: Outcome | undefined;

    before(async () => {
      const url = await freshDatabase(adminUrl());
      database = new URL(url).pathname.slice(1);
      s = await spawnServer({ DATABASE_URL: url, SHUTDOWN_TIMEOUT_MS: '8000', DB_POOL_MAX: '10' });
      const set = await request(
        s.baseUrl,
        'POST',
        '/api/failures',
        JSON.stringify({ ...LATENCY, routes: ['/api/transfers'] }),
      );
      expect(set.status).to.equal(200);

      let running = true;
      const worker = async (n: number) => {
        for (let i = 0; running; i += 1) {
          const [from, to] = (i + n) % 2 === 0 ? ['ACC-004', 'ACC-005'] : ['ACC-005', 'ACC-004'];
          const outcome = await request(
            s.baseUrl,
            'POST',
            '/api/transfers',
            JSON.stringify({ from_account: from, to_account: to, amount: '0.01' }),
          );
          outcomes.push(outcome);
          // Once the listener is gone there is nothing left to measure for this worker.
          if (outcome.error === 'ECONNREFUSED') return;
        }
      };
      const load = Array.from({ length: WORKERS }, (_, n) => worker(n));
      try {
        await waitUntil(
          `${WORKERS} requests in flight and three rounds already answered`,
          async () => ({
            inFlight: sampleSum(
              parseExposition(await (await fetch(`${s.baseUrl}/metrics`)).text()),
              'fintech_requests_in_progress',
            ),
            answered: outcomes.length,
          }),
          { until: (v) => v.inFlight >= WORKERS && v.answered >= 3 * WORKERS, timeoutMs: 20_000 },
        );
        connectionsUnderLoad = await apiConnections(database);
        sigtermAt = performance.now();
        s.child.kill('SIGTERM');
        exitCode = await s.exited;
      } finally {
        running = false;
        await Promise.all(load);
      }
      refusedAfterExit = await request(s.baseUrl, 'GET', '/livez');
      const drained = outcomes.filter((o) => o.sentAt < sigtermAt - ACCEPTED_MARGIN_MS && o.doneAt > sigtermAt).length;
      const late = outcomes.filter((o) => o.sentAt >= sigtermAt - ACCEPTED_MARGIN_MS);
      console.log(
        `      requests: ${outcomes.length}; accepted before SIGTERM and completed after it: ${drained}; sent around or after SIGTERM: ${late.length} ` +
          `(${late.filter((o) => o.status === 201).length} completed, ${late.filter((o) => o.code === 'SHUTTING_DOWN').length} SHUTTING_DOWN, ${late.filter((o) => o.error === 'ECONNREFUSED').length} refused, ${late.filter((o) => o.error === 'ECONNRESET').length} reset before being read)`,
      );
    });
    after(async () => s?.kill('SIGKILL'));

    it('completes with 2xx every request accepted before SIGTERM, including those still in flight', () => {
      const accepted = outcomes.filter((o) => o.sentAt < sigtermAt - ACCEPTED_MARGIN_MS);
      expect(accepted.filter((o) => o.status !== 201).map((o) => o.error ?? `${o.status} ${o.code}`)).to.deep.equal([]);
      const drained = accepted.filter((o) => o.doneAt > sigtermAt);
      expect(drained.length).to.be.at.least(3);
    });

    it('answers requests that arrive while draining with 503 SHUTTING_DOWN or refuses their connection: never a 500', () => {
      const late = outcomes.filter((o) => o.sentAt >= sigtermAt - ACCEPTED_MARGIN_MS);
      const allowed = late.filter(
        (o) =>
          o.status === 201 ||
          (o.status === 503 && o.code === 'SHUTTING_DOWN') ||
          o.error === 'ECONNREFUSED' ||
          o.error === 'ECONNRESET',
      );
      expect(late.filter((o) => !allowed.includes(o)).map((o) => o.error ?? `${o.status} ${o.code}`)).to.deep.equal([]);
      expect(late.some((o) => o.error === 'ECONNREFUSED')).to.equal(true);
    });

    it('refuses new connections once stopped, and exits 0 after logging "stopped"', () => {
      expect(refusedAfterExit?.error).to.equal('ECONNREFUSED');
      expect(exitCode).to.equal(0);
      expect(s.logs().some((l) => l.message === 'stopped')).to.equal(true);
      expect(s.stderr.join('')).to.equal('');
    });

    it("closes its pool: PostgreSQL shows no 'fintech-api' connection left, and none was simply dropped", async () => {
      expect(connectionsUnderLoad).to.be.greaterThan(0);
      const left = await waitUntil('the server backends of the API to end', () => apiConnections(database), {
        until: (n) => n === 0,
        timeoutMs: 5_000,
      });
      expect(left).to.equal(0);
      // A process that exits without ending its pool also leaves no connection, but PostgreSQL counts
      // each of those sessions as abandoned (the client never said goodbye).
      const stats = await sessionStats(database);
      expect(stats.sessions).to.be.at.least(connectionsUnderLoad);
      expect(stats.abandoned).to.equal(0);
    });
  });

  describe('memory_leak_mb under concurrent load', () => {
    const CAP_MB = 48;
    const LEAK_MB = 4;
    const WORKERS = 16;
    const REQUESTS = 800;
    let s: ServerProcess;
    const statuses: number[] = [];
    const rss: number[] = [];
    const leaked: number[] = [];
    let baselineRss = 0;
    let view: { leaked_bytes: number; cap_bytes: number; capped_requests: number } | undefined;

    const healthzRss = async () =>
      ((await (await fetch(`${s.baseUrl}/healthz`)).json()) as { checks: { memory: { rss_bytes: number } } }).checks
        .memory.rss_bytes;

    before(async () => {
      s = await spawnServer({
        DATABASE_URL: await freshDatabase(adminUrl()),
        MEMORY_LEAK_CAP_MB: String(CAP_MB),
        LOG_LEVEL: 'warn',
      });
      // Warm the process up first, so the baseline includes what serving costs anyway.
      await Promise.all(
        Array.from({ length: 200 }, () => fetch(`${s.baseUrl}/api/balance`).then((r) => r.arrayBuffer())),
      );
      baselineRss = Math.max(await healthzRss(), await healthzRss(), await healthzRss());
      const set = await request(s.baseUrl, 'POST', '/api/failures', JSON.stringify({ memory_leak_mb: LEAK_MB }));
      expect(set.status).to.equal(200);

      let sent = 0;
      let done = false;
      const worker = async () => {
        while (sent < REQUESTS) {
          sent += 1;
          const res = await fetch(`${s.baseUrl}/api/balance`);
          await res.arrayBuffer();
          statuses.push(res.status);
        }
      };
      const sampler = async () => {
        while (!done) {
          rss.push(await healthzRss());
          leaked.push(
            sampleSum(
              parseExposition(await (await fetch(`${s.baseUrl}/metrics`)).text()),
              'fintech_fault_leaked_bytes',
            ),
          );
        }
      };
      const sampling = sampler();
      await Promise.all(Array.from({ length: WORKERS }, worker));
      done = true;
      await sampling;
      rss.push(await healthzRss());
      view = ((await (await fetch(`${s.baseUrl}/api/failures`)).json()) as { faults: { memory_leak: typeof view } })
        .faults.memory_leak;
      console.log(
        `      ${REQUESTS} requests by ${WORKERS} clients; RSS baseline ${(baselineRss / MB).toFixed(0)} MB, peak ${(Math.max(...rss) / MB).toFixed(0)} MB over ${rss.length} samples; leaked ${(view?.leaked_bytes ?? 0) / MB} MB (cap ${CAP_MB} MB), ${view?.capped_requests} requests capped`,
      );
    });
    after(async () => s?.kill('SIGKILL'));

    it('keeps serving every request', () => {
      expect(statuses).to.have.length(REQUESTS);
      expect(statuses.filter((st) => st !== 200)).to.deep.equal([]);
      expect(s.child.exitCode).to.equal(null);
    });

    it('never retains more than MEMORY_LEAK_CAP_MB, and stops exactly at the cap', () => {
      expect(Math.max(...leaked)).to.be.at.most(CAP_MB * MB);
      expect(view?.leaked_bytes).to.equal(CAP_MB * MB);
      expect(view?.capped_requests).to.equal(REQUESTS - CAP_MB / LEAK_MB);
    });

    it('keeps the process RSS within the cap plus 64 MB of its warm baseline (uncapped it would be 3.2 GB)', () => {
      const growth = Math.max(...rss) - baselineRss;
      expect(growth).to.be.at.least((CAP_MB / 2) * MB);
      expect(growth).to.be.below((CAP_MB + 64) * MB);
    });
  });
});
