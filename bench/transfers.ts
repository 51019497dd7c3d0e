import fs from 'node:fs';
import { createTemplate, databaseUrl, freshDatabase, startEmbeddedPostgres, withClient } from '../kit/postgres';
import type { BenchContext } from './context';
import { toolVersion } from './environment';
import { countStatus, runLoad, type LoadOptions } from '../kit/load';
import { locatePgbench, parseRun, pgbench } from './pgbench';
import { postgresCpuSeconds } from './postgres-cpu';
import { COUNT_STATEMENTS_FLAGS, statementsByDatabase } from './pg-statements';
import { figure, SECTION_TITLES, type SectionResult } from './results';
import { clockTicks, type ServerHandle } from './servers';
import { paired, summarize } from './stats';

/** Accounts the transfers move money between: enough that row locks rarely collide at 10 connections. */
const ACCOUNTS = 100;
const TARGET_RATIO = 0.5;
/** PostgreSQL CPU per transfer at most this multiple of its CPU per TPC-B-like transaction. */
const TARGET_PG_CPU_RATIO = 1.3;
/**
 * The machines the predictions model: this one, and 4 cores with one API process or two behind a load
 * balancer (whose own CPU per request this part does not measure: that line is an upper bound).
 */
const PREDICTIONS = [
  { cores: 2, apis: 1 },
  { cores: 4, apis: 1 },
  { cores: 4, apis: 2 },
];
const PGBENCH_DB = 'bench_pgbench';

/** Part 2: transfers/s through the API against pgbench's TPC-B-like rate on the same server, same concurrency. */
export async function measureTransfers(ctx: BenchContext): Promise<Omit<SectionResult, 'seconds'>> {
  const { settings, progress } = ctx;
  const clients = settings.connections;
  const located = locatePgbench(progress);
  if ('bin' in located) ctx.environment.tools.pgbench = toolVersion(located.bin) ?? located.bin;
  else progress(`pgbench figure skipped: ${located.missing}`);

  const env = { LOG_LEVEL: 'info', SHUTDOWN_TIMEOUT_MS: '1000' };
  const servers: ServerHandle[] = [];
  // A server of this part's own, so PostgreSQL itself counts the statements each side sends.
  const pg = await startEmbeddedPostgres({ postgresFlags: COUNT_STATEMENTS_FLAGS });
  const adminUrl = pg.adminUrl;
  try {
    await createTemplate(adminUrl);
    const databases = new Map<string, string>();
    const database = async (label: string) => {
      const url = await freshDatabase(adminUrl);
      databases.set(label, new URL(url).pathname.slice(1));
      return url;
    };
    databases.set('pgbench', PGBENCH_DB);
    // Two contenders on their own databases: the full app, and the same app without instrumentation.
    const contenders = [
      {
        label: 'full app',
        server: await ctx.servers.start('full app', 'app/server', {
          ...env,
          DATABASE_URL: await database('full app'),
        }),
      },
      {
        label: 'app without instrumentation',
        server: await ctx.servers.start('app without instrumentation', 'bench/targets/plain-app', {
          ...env,
          DATABASE_URL: await database('app without instrumentation'),
        }),
      },
    ];
    servers.push(...contenders.map((c) => c.server));
    const loads = await withTransferLoads(ctx, contenders);
    // Transfers take longer than plain reads to reach steady speed (JIT of the query path, pool, shared buffers).
    const warmup = settings.warmupSeconds * 4;
    progress(`${ACCOUNTS} USD accounts opened in each database; warming up ${warmup} s each`);
    for (const c of loads) await runLoad({ ...c.load, seconds: warmup });
    const pgbenchUrl = 'bin' in located ? await preparePgbench(ctx, adminUrl, located.bin, clients) : undefined;

    const rate = new Map<string, number[]>();
    const p99 = new Map<string, number[]>();
    const cpu = new Map<string, number[]>();
    const pgCpu = new Map<string, number[]>();
    const pgSeconds = () => postgresCpuSeconds(pg.dataDir ?? '');
    const statements = new Map<string, number[]>();
    /** Statements sent so far to the database of one side (`label`). */
    const sent = async (label: string) => (await statementsByDatabase(adminUrl)).get(databases.get(label) ?? '') ?? 0;
    const loadCpu = new Map<string, number[]>();
    const failed: number[] = [];
    const bench: number[] = [];
    const benchLatency: number[] = [];
    const add = (map: Map<string, number[]>, key: string, value: number) =>
      map.set(key, [...(map.get(key) ?? []), value]);
    for (let round = 0; round < settings.rounds; round++) {
      for (const c of loads) {
        const sentBefore = await sent(c.label);
        const cpuBefore = c.server.cpuSeconds();
        const pgBefore = pgSeconds();
        const loadBefore = process.cpuUsage();
        const r = await runLoad(c.load);
        const loadUsage = process.cpuUsage(loadBefore);
        const pgUsed = pgSeconds() - pgBefore;
        const nodeUsed = c.server.cpuSeconds() - cpuBefore;
        add(statements, c.label, ((await sent(c.label)) - sentBefore) / r.responses);
        const created = countStatus(r, '201');
        // autocannon runs in this process: its CPU per transfer is part of what the 2 cores pay for.
        add(loadCpu, c.label, (loadUsage.user + loadUsage.system) / r.responses);
        add(pgCpu, c.label, (pgUsed / r.responses) * 1e6);
        add(rate, c.label, created / r.seconds);
        add(p99, c.label, r.p99Ms);
        add(cpu, c.label, (nodeUsed / r.responses) * 1e6);
        if (c.label === 'full app') failed.push(r.responses - created + r.errors);
        progress(
          `round ${round + 1}/${settings.rounds} ${c.label.padEnd(28)} ${(created / r.seconds).toFixed(0).padStart(5)} transfers/s  p99 ${r.p99Ms.toFixed(1).padStart(5)} ms  ` +
            `${(cpu.get(c.label)?.at(-1) ?? NaN).toFixed(0)} µs Node + ${(pgCpu.get(c.label)?.at(-1) ?? NaN).toFixed(0)} µs PostgreSQL CPU/transfer (${r.responses - created} not 201)`,
        );
      }
      if (pgbenchUrl && 'bin' in located) {
        const sentBefore = await sent('pgbench');
        const pgBefore = pgSeconds();
        const clientBefore = childrenCpuSeconds();
        const out = parseRun(
          await pgbench(
            located.bin,
            ['-n', '-c', String(clients), '-j', '2', '-T', String(settings.loadSeconds)],
            pgbenchUrl,
            (settings.loadSeconds + 30) * 1000,
            ctx.signal,
          ),
        );
        bench.push(out.tps);
        benchLatency.push(out.latencyMs);
        // pgbench's own CPU is not PostgreSQL's: only the server's processes are counted.
        add(pgCpu, 'pgbench', ((pgSeconds() - pgBefore) / out.transactions) * 1e6);
        add(loadCpu, 'pgbench', ((childrenCpuSeconds() - clientBefore) / out.transactions) * 1e6);
        add(statements, 'pgbench', ((await sent('pgbench')) - sentBefore) / out.transactions);
        progress(
          `round ${round + 1}/${settings.rounds} ${'pgbench'.padEnd(28)} ${out.tps.toFixed(0).padStart(5)} tps          mean ${out.latencyMs.toFixed(1)} ms  ${(pgCpu.get('pgbench')?.at(-1) ?? NaN).toFixed(0)} µs PostgreSQL CPU/transaction`,
        );
      }
    }

    const figures = [
      ...loads.flatMap((c) => [
        figure(`POST /api/transfers · ${c.label} · transfers/s (201)`, 'tx/s', rate.get(c.label) ?? [], 0),
        figure(`POST /api/transfers · ${c.label} · p99`, 'ms', p99.get(c.label) ?? [], 1),
        figure(
          `POST /api/transfers · ${c.label} · statements sent (round trips) per transfer`,
          'statements',
          statements.get(c.label) ?? [],
          2,
        ),
        figure(`POST /api/transfers · ${c.label} · Node CPU per transfer`, 'µs', cpu.get(c.label) ?? [], 0),
        figure(`POST /api/transfers · ${c.label} · PostgreSQL CPU per transfer`, 'µs', pgCpu.get(c.label) ?? [], 0),
        figure(
          `POST /api/transfers · ${c.label} · load generator (autocannon) CPU per transfer`,
          'µs',
          loadCpu.get(c.label) ?? [],
          0,
        ),
      ]),
      figure('POST /api/transfers · full app · responses other than 201', 'responses', failed, 0, {
        text: '0',
        met: failed.every((f) => f === 0),
      }),
    ];
    const notes = [
      `${clients} concurrent transfers (autocannon connections) and ${clients} pgbench clients (-j 2), ${settings.loadSeconds} s per run, interleaved.`,
      `Transfers pick two distinct accounts at random among ${ACCOUNTS} USD accounts and move 0.01-1.00. Each sends SELECT * FROM transfer_money(...) as its own statement (BEGIN .. COMMIT only while db_slow is on); inside it the function runs 5 SQL statements (idempotency lookup, lock both rows, insert the transaction, insert two ledger entries, update two balances). pgbench's TPC-B-like transaction is BEGIN, 3 UPDATE, SELECT, INSERT, END.`,
      'Statements sent are counted by PostgreSQL (pg_stat_statements, top-level statements, this part runs its own server with it preloaded), per 201 or other response and per pgbench transaction; each is one round trip.',
      `pgbench runs its built-in TPC-B-like script (simple protocol, scale ${clients}: ${clients} branches, ${clients * 10} tellers, ${clients * 100_000} accounts) on the same PostgreSQL server, in its own database.`,
      'pgbench is C with one small client thread per core; the API path adds a Node process that needs CPU per transfer (shown) on the same 2 cores as PostgreSQL and autocannon.',
      "The predicted ratios take throughput as cores ÷ (CPU per transaction of the API, PostgreSQL and the load generator), each single-threaded API process capped at one core. The 2-core line checks the model against this run; the 4-core lines are what its CPU figures predict, with one API process or two behind a load balancer (HAProxy's own CPU not counted: an upper bound).",
    ];
    if (bench.length > 0) {
      const full = rate.get('full app') ?? [];
      const plain = rate.get('app without instrumentation') ?? [];
      const ratio = paired(full, bench);
      figures.push(
        figure('pgbench TPC-B-like · tps', 'tx/s', bench, 0),
        figure('pgbench TPC-B-like · mean latency', 'ms', benchLatency, 1),
        figure(
          'pgbench TPC-B-like · statements sent (round trips) per transaction',
          'statements',
          statements.get('pgbench') ?? [],
          2,
        ),
        figure('pgbench TPC-B-like · PostgreSQL CPU per transaction', 'µs', pgCpu.get('pgbench') ?? [], 0),
        figure('pgbench TPC-B-like · client (pgbench) CPU per transaction', 'µs', loadCpu.get('pgbench') ?? [], 0),
        figure('full app transfers/s ÷ pgbench tps', '×', ratio, 2, {
          text: `≥ ${TARGET_RATIO} (median)`,
          met: summarize(ratio).median >= TARGET_RATIO,
        }),
        figure('app without instrumentation transfers/s ÷ pgbench tps', '×', paired(plain, bench), 2),
      );
      const pgRatio = paired(pgCpu.get('full app') ?? [], pgCpu.get('pgbench') ?? []);
      figures.push(
        figure('PostgreSQL CPU: full app per transfer ÷ pgbench per transaction', '×', pgRatio, 2, {
          text: `≤ ${TARGET_PG_CPU_RATIO} (median)`,
          met: summarize(pgRatio).median <= TARGET_PG_CPU_RATIO,
        }),
      );
      // With every core busy, throughput is cores ÷ CPU per transaction (all processes), except that each
      // single-threaded API process cannot use more than one core. The 2-core line checks the model against the run.
      for (const { cores, apis } of PREDICTIONS) {
        const predicted = (rate.get('full app') ?? []).map((_, i) => {
          const at = (m: Map<string, number[]>, k: string) => (m.get(k)?.[i] ?? NaN) / 1e6;
          const api = Math.min(
            apis / at(cpu, 'full app'),
            cores / (at(cpu, 'full app') + at(pgCpu, 'full app') + at(loadCpu, 'full app')),
          );
          return api / (cores / (at(pgCpu, 'pgbench') + at(loadCpu, 'pgbench')));
        });
        figures.push(
          figure(
            `predicted from CPU per transaction, ${cores} cores, ${apis} API process${apis > 1 ? 'es' : ''}: full app ÷ pgbench`,
            '×',
            predicted,
            2,
          ),
        );
      }
    } else {
      notes.push(`No pgbench figure: ${'missing' in located ? located.missing : 'pgbench did not run'}.`);
    }
    return {
      id: 'transfers',
      title: SECTION_TITLES.transfers,
      setup:
        'The full app and the app without instrumentation (each its own process and database, logs at info) against PostgreSQL; pgbench against the same server.',
      figures,
      notes,
    };
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    await pg.dispose();
  }
}

/** CPU seconds of this process's exited children (pgbench), from /proc/self/stat's cutime and cstime. */
function childrenCpuSeconds(): number {
  const stat = fs.readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13]) + Number(fields[14])) / clockTicks();
}

/** Each contender with its transfer load over accounts opened on its own server. */
export function withTransferLoads<T extends { server: ServerHandle }>(
  ctx: BenchContext,
  contenders: T[],
): Promise<(T & { load: LoadOptions })[]> {
  return Promise.all(
    contenders.map(async (c) => ({
      ...c,
      load: transferLoad(
        c.server,
        await openAccounts(c.server),
        ctx.settings.connections,
        ctx.settings.loadSeconds,
        ctx.signal,
      ),
    })),
  );
}

/** Opens the accounts the transfer loads move money between. */
export async function openAccounts(server: ServerHandle): Promise<string[]> {
  const accounts: string[] = [];
  for (let i = 0; i < ACCOUNTS; i++) {
    const res = await fetch(`${server.baseUrl}/api/accounts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ owner: `Bench ${i}`, currency: 'USD', opening_balance: 1_000_000 }),
    });
    if (res.status !== 201) throw new Error(`POST /api/accounts answered ${res.status}: ${await res.text()}`);
    accounts.push(((await res.json()) as { account: string }).account);
  }
  return accounts;
}

/** POST /api/transfers between two distinct random accounts, 0.01 to 1.00 each. */
export function transferLoad(
  server: ServerHandle,
  accounts: string[],
  connections: number,
  seconds: number,
  signal?: AbortSignal,
): LoadOptions {
  const body = () => {
    const from = Math.floor(Math.random() * accounts.length);
    const to = (from + 1 + Math.floor(Math.random() * (accounts.length - 1))) % accounts.length;
    const cents = 1 + Math.floor(Math.random() * 100);
    return { from_account: accounts[from], to_account: accounts[to], amount: (cents / 100).toFixed(2) };
  };
  return {
    url: server.baseUrl,
    requests: [{ method: 'POST', path: '/api/transfers', body }],
    connections,
    seconds,
    signal,
  };
}

/** A pgbench database of scale = clients (one branch row per client, as TPC-B intends), initialised once. */
async function preparePgbench(ctx: BenchContext, adminUrl: string, bin: string, clients: number): Promise<string> {
  await withClient(adminUrl, async (admin) => {
    await admin.query(`DROP DATABASE IF EXISTS ${PGBENCH_DB}`);
    await admin.query(`CREATE DATABASE ${PGBENCH_DB}`);
  });
  const url = databaseUrl(adminUrl, PGBENCH_DB);
  ctx.progress(`pgbench -i -s ${clients}, then ${ctx.settings.warmupSeconds} s of warm-up`);
  await pgbench(bin, ['-i', '-q', '-s', String(clients)], url, 120_000, ctx.signal);
  await pgbench(
    bin,
    ['-n', '-c', String(clients), '-j', '2', '-T', String(ctx.settings.warmupSeconds)],
    url,
    60_000,
    ctx.signal,
  );
  return url;
}
