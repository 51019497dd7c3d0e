import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import { Client } from 'pg';
import { adminUrl, startApp, type TestApp } from '../support/app';
import { auditLedger, type LedgerAudit } from '../support/ledger';
import { parseExposition, sampleSum } from '../../kit/exposition';
import { freshDatabase, withClient } from '../../kit/postgres';
import { waitUntil } from '../../kit/wait';
import { startRisk, type TestRisk } from '../support/risk';

const USD = [
  'ACC-001',
  'ACC-002',
  'ACC-003',
  'ACC-004',
  'ACC-005',
  'ACC-006',
  'ACC-007',
  'ACC-008',
  'ACC-009',
  'ACC-010',
];
const CLIENTS = 16;
const SOAK_MS = 30_000;
/** A client gives up on one attempt after this long and retries: the server may still complete it. */
const ATTEMPT_TIMEOUT_MS = 1_000;
const MAX_ATTEMPTS = 6;
/** More than every USD balance together: such a transfer can only be refused. */
const IMPOSSIBLE_CENTS = 10_000_000;

/**
 * The faults the chaos driver cycles through, each held for a few seconds, with a reset in between: the
 * API's own, and the risk service's (its fault API; `risk down` closes its socket, the next phase restarts it).
 */
/** The phases take 24 s: SOAK_MS leaves room for the resets between them on a loaded machine. */
const PHASES: {
  name: string;
  target?: 'risk';
  settings: Record<string, unknown> | 'reset' | 'risk down';
  ms: number;
}[] = [
  { name: 'latency 300-1800 ms', settings: { latency_ms: 300, latency_jitter_ms: 1_500 }, ms: 3_000 },
  { name: 'reset', settings: 'reset', ms: 1_000 },
  { name: '30% injected errors', settings: { error_rate: 30 }, ms: 3_000 },
  { name: 'slow database (40 ms per query)', settings: { db_slow: true, db_latency_ms: 40 }, ms: 3_000 },
  { name: 'database down', settings: { db_fail: true }, ms: 2_500 },
  { name: 'reset', settings: 'reset', ms: 1_000 },
  {
    name: '30% injected errors on a slow database',
    settings: { error_rate: 30, db_slow: true, db_latency_ms: 20 },
    ms: 3_000,
  },
  { name: 'reset', settings: 'reset', ms: 1_000 },
  // the API's risk call times out (300 ms, set below), while the risk service still stores its decision
  { name: 'risk service slow (1500 ms)', target: 'risk', settings: { latency_ms: 1_500 }, ms: 2_000 },
  { name: 'risk service fails half its calls', target: 'risk', settings: { error_rate: 50 }, ms: 2_000 },
  { name: 'risk service down, then restarted', settings: 'risk down', ms: 1_500 },
  { name: 'reset', settings: 'reset', ms: 1_000 },
];

/** Server errors a client may see under these faults; anything else is a bug. */
const RETRYABLE_CODES = new Set([
  'FAULT_INJECTED',
  'DATABASE_UNAVAILABLE',
  'DATABASE_TIMEOUT',
  'DATABASE_BUSY',
  'DEPENDENCY_UNAVAILABLE',
  'DEPENDENCY_TIMEOUT',
]);
/** Refusals of the impossible transfers: the risk service declines them, or the ledger does. */
const REFUSAL_CODES = new Set(['INSUFFICIENT_FUNDS', 'RISK_DECLINED']);

interface Transfer {
  key: string;
  path: '/api/transfers' | '/api/transfer';
  from: string;
  to: string;
  cents: number;
  attempts: number;
  /** acknowledged: a 2xx came back; rejected: a 4xx came back; unknown: every attempt failed. */
  outcome: 'acknowledged' | 'rejected' | 'unknown';
  transactionId?: string;
  replayed?: boolean;
  code?: string;
}

interface Tally {
  timeouts: number;
  networkErrors: number;
  serverErrors: Record<string, number>;
  unexpected: string[];
}

function randomTransfer(): Transfer {
  const from = USD[Math.floor(Math.random() * USD.length)] as string;
  let to = from;
  while (to === from) to = USD[Math.floor(Math.random() * USD.length)] as string;
  const cents = Math.random() < 0.05 ? IMPOSSIBLE_CENTS : 1 + Math.floor(Math.random() * 5_000);
  const path = Math.random() < 0.25 ? '/api/transfer' : '/api/transfers';
  return { key: `soak-${randomUUID()}`, path, from, to, cents, attempts: 0, outcome: 'unknown' };
}

function bodyOf(op: Transfer): string {
  const amount = (op.cents / 100).toFixed(2);
  return op.path === '/api/transfers'
    ? JSON.stringify({ from_account: op.from, to_account: op.to, amount })
    : JSON.stringify({ amount, to_account: op.to, from_account: op.from });
}

/** One attempt; returns true when the transfer reached a final answer (2xx or 4xx). */
async function attempt(baseUrl: string, op: Transfer, tally: Tally): Promise<boolean> {
  op.attempts += 1;
  let res: Response;
  let body: {
    transaction_id?: string;
    from_account?: string;
    to_account?: string;
    amount_cents?: number;
    error?: { code?: string };
  };
  try {
    res = await fetch(`${baseUrl}${op.path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': op.key },
      body: bodyOf(op),
      signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS),
    });
    body = (await res.json()) as typeof body;
  } catch (err) {
    if ((err as Error).name === 'TimeoutError') tally.timeouts += 1;
    else tally.networkErrors += 1;
    return false;
  }
  if (res.status >= 200 && res.status < 300) {
    op.outcome = 'acknowledged';
    op.transactionId = body.transaction_id;
    op.replayed = res.headers.get('idempotent-replayed') === 'true';
    if (body.from_account !== op.from || body.to_account !== op.to || body.amount_cents !== op.cents) {
      tally.unexpected.push(`${op.key}: acknowledged as ${JSON.stringify(body)}`);
    }
    return true;
  }
  const code = body.error?.code ?? 'none';
  if (res.status >= 400 && res.status < 500) {
    op.outcome = 'rejected';
    op.code = code;
    if (!REFUSAL_CODES.has(code)) tally.unexpected.push(`${op.key}: ${res.status} ${code}`);
    return true;
  }
  tally.serverErrors[code] = (tally.serverErrors[code] ?? 0) + 1;
  if (!RETRYABLE_CODES.has(code)) tally.unexpected.push(`${op.key}: ${res.status} ${code}`);
  return false;
}

/** Retries with the same Idempotency-Key on 5xx and network errors, with a short capped backoff. */
async function send(baseUrl: string, op: Transfer, tally: Tally): Promise<void> {
  for (let n = 0; n < MAX_ATTEMPTS; n += 1) {
    if (await attempt(baseUrl, op, tally)) return;
    await sleep(Math.min(40 * 2 ** n, 400) + Math.random() * 40);
  }
}

interface LedgerRow {
  id: string;
  idempotency_key: string | null;
  from_account: string;
  to_account: string;
  amount_cents: string;
  debit: string | null;
  credit: string | null;
}

async function ledgerRows(url: string): Promise<{ rows: LedgerRow[]; keysUsedTwice: number }> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    const { rows } = await c.query<LedgerRow>(`
      SELECT t.id, t.idempotency_key, t.from_account, t.to_account, t.amount_cents::text,
        (SELECT sum(amount_cents) FROM ledger_entries e WHERE e.transaction_id = t.id AND e.account_number = t.from_account)::text AS debit,
        (SELECT sum(amount_cents) FROM ledger_entries e WHERE e.transaction_id = t.id AND e.account_number = t.to_account)::text AS credit
      FROM transactions t`);
    const twice = await c.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM (SELECT idempotency_key FROM transactions GROUP BY idempotency_key HAVING count(*) > 1) k',
    );
    return { rows, keysUsedTwice: twice.rows[0]?.n ?? 0 };
  } finally {
    await c.end();
  }
}

/** Committed transfers and the risk service's approving decisions under their key (0, 1, or more if doubled). */
async function approvalsPerTransfer(url: string): Promise<{ key: string | null; approvals: number }[]> {
  const { rows } = await withClient(url, (c) =>
    c.query<{ key: string | null; approvals: number }>(`
      SELECT t.idempotency_key AS key,
        (SELECT count(*)::int FROM risk.decisions d
          WHERE d.idempotency_key = t.idempotency_key AND d.decision = 'approve') AS approvals
      FROM transactions t WHERE t.idempotency_key LIKE 'soak-%'`),
  );
  return rows;
}

describe('money under chaos (soak), every transfer scored by the risk service', function () {
  this.timeout(120_000);
  let t: TestApp;
  let risk: TestRisk;
  let initial: LedgerAudit;
  const ops: Transfer[] = [];
  const tally: Tally = { timeouts: 0, networkErrors: 0, serverErrors: {}, unexpected: [] };
  const toggled: string[] = [];
  let reconciled = 0;

  before(async () => {
    const url = await freshDatabase(adminUrl());
    risk = await startRisk(url);
    t = await startApp(
      { DB_CONNECT_TIMEOUT_MS: '1000', DB_STATEMENT_TIMEOUT_MS: '2000', RISK_URL: risk.baseUrl },
      { databaseUrl: url },
    );
    // 300 ms per attempt, 2 attempts: a slow risk service answers 504 within the clients' 1 s attempt timeout
    await t.request.post('/api/policies').send({ timeout_ms: 300, retry_max_attempts: 2 }).expect(200);
    initial = await auditLedger(t.config.DATABASE_URL);
    const deadline = Date.now() + SOAK_MS;
    const riskPort = Number(new URL(risk.baseUrl).port);
    const riskUp = async () => {
      if (!risk.server.listening)
        await new Promise<void>((resolve) => risk.server.listen(riskPort, '127.0.0.1', () => resolve()));
    };
    const riskDown = async () => {
      const closed = new Promise<void>((resolve) => risk.server.close(() => resolve()));
      risk.server.closeAllConnections();
      await closed;
    };
    const resetAll = async () => {
      await riskUp();
      await t.request.post('/api/reset').expect(200);
      await risk.request.post('/api/reset').expect(200);
    };

    const chaos = async () => {
      for (let i = 0; Date.now() < deadline; i += 1) {
        const phase = PHASES[i % PHASES.length] as (typeof PHASES)[number];
        await resetAll();
        if (phase.settings === 'risk down') await riskDown();
        else if (phase.settings !== 'reset')
          await (phase.target === 'risk' ? risk : t).request.post('/api/failures').send(phase.settings).expect(200);
        toggled.push(phase.name);
        // The schedule of the chaos, not a synchronisation: each fault is held this long under load.
        await sleep(Math.min(phase.ms, Math.max(0, deadline - Date.now())));
      }
      await resetAll();
      // a fresh chain: the breaker the outage opened starts closed again
      await t.request.post('/api/policies/reset').expect(200);
    };
    const client = async () => {
      while (Date.now() < deadline) {
        const op = randomTransfer();
        ops.push(op);
        await send(t.baseUrl, op, tally);
      }
    };
    await Promise.all([chaos(), ...Array.from({ length: CLIENTS }, client)]);

    // Attempts the clients gave up on may still be running in the server (a delayed request is not cancelled).
    await waitUntil(
      'the server to finish every request it accepted',
      async () => sampleSum(parseExposition((await t.request.get('/metrics')).text), 'fintech_requests_in_progress'),
      { until: (n) => n === 0, timeoutMs: 15_000 },
    );
    // With the faults off, a last retry with the same key settles every transfer whose outcome the client never learnt.
    for (const op of ops.filter((o) => o.outcome === 'unknown')) {
      reconciled += 1;
      await attempt(t.baseUrl, op, tally);
    }

    const acknowledged = ops.filter((o) => o.outcome === 'acknowledged');
    const attempts = ops.reduce((n, o) => n + o.attempts, 0);
    console.log(
      `      transfers attempted: ${ops.length} (${attempts} requests, ${attempts - ops.length} retries) by ${CLIENTS} clients in ${SOAK_MS / 1000} s`,
    );
    console.log(
      `      acknowledged: ${acknowledged.length} (${acknowledged.filter((o) => o.replayed).length} answered by an idempotent replay), rejected (4xx): ${ops.filter((o) => o.outcome === 'rejected').length}, settled after the soak: ${reconciled}`,
    );
    console.log(
      `      attempts lost to client timeouts: ${tally.timeouts}, network errors: ${tally.networkErrors}, server errors: ${JSON.stringify(tally.serverErrors)}`,
    );
    console.log(`      faults toggled: ${toggled.length} (${[...new Set(toggled)].join(', ')})`);
  });
  after(async () => {
    await t?.stop();
    await risk?.stop();
  });

  it('ran long enough to mean something: every fault toggled, acknowledgements lost and recovered by retrying', () => {
    expect(ops.length).to.be.at.least(300);
    expect(new Set(toggled)).to.have.keys(...new Set(PHASES.map((p) => p.name)));
    expect(Object.keys(tally.serverErrors)).to.include.members([
      'FAULT_INJECTED',
      'DATABASE_UNAVAILABLE',
      'DEPENDENCY_UNAVAILABLE',
      'DEPENDENCY_TIMEOUT',
    ]);
    expect(tally.timeouts).to.be.greaterThan(0);
    expect(ops.some((o) => o.replayed)).to.equal(true);
  });

  it('every answer was a success, a refusal for lack of funds or a retryable 5xx, and every transfer settled', () => {
    expect(tally.unexpected).to.deep.equal([]);
    expect(ops.filter((o) => o.outcome === 'unknown').map((o) => o.key)).to.deep.equal([]);
    expect(ops.filter((o) => o.cents === IMPOSSIBLE_CENTS).every((o) => o.outcome === 'rejected')).to.equal(true);
  });

  it('keeps the sum of all balances, balances every transaction and leaves no balance negative', async () => {
    const audit = await auditLedger(t.config.DATABASE_URL);
    expect(audit.totalBalanceCents).to.equal(initial.totalBalanceCents);
    expect(audit).to.include({ unbalancedTransactions: 0, driftedAccounts: 0, negativeBalances: 0 });
  });

  it('moves money at most once per Idempotency-Key, and only for acknowledged transfers', async () => {
    const { rows, keysUsedTwice } = await ledgerRows(t.config.DATABASE_URL);
    expect(keysUsedTwice).to.equal(0);
    const acknowledged = new Set(ops.filter((o) => o.outcome === 'acknowledged').map((o) => o.key));
    const keys = rows.map((r) => r.idempotency_key);
    expect(keys.filter((k) => k === null || !acknowledged.has(k))).to.deep.equal([]);
    expect(rows.length - initial.transactions).to.equal(acknowledged.size);
  });

  it('finds every acknowledged transfer in the ledger with its transaction id, amount and accounts', async () => {
    const byKey = new Map((await ledgerRows(t.config.DATABASE_URL)).rows.map((r) => [r.idempotency_key, r]));
    const wrong = ops
      .filter((o) => o.outcome === 'acknowledged')
      .filter((o) => {
        const r = byKey.get(o.key);
        return (
          !r ||
          r.id !== o.transactionId ||
          r.from_account !== o.from ||
          r.to_account !== o.to ||
          Number(r.amount_cents) !== o.cents ||
          Number(r.debit) !== -o.cents ||
          Number(r.credit) !== o.cents
        );
      });
    expect(wrong.map((o) => o.key)).to.deep.equal([]);
  });

  it('has exactly one approving risk decision for every committed transfer, and one decision per key', async () => {
    const rows = await approvalsPerTransfer(t.config.DATABASE_URL);
    expect(rows.length).to.equal(ops.filter((o) => o.outcome === 'acknowledged').length);
    expect(rows.filter((r) => r.approvals !== 1)).to.deep.equal([]);
    const doubled = await withClient(t.config.DATABASE_URL, (c) =>
      c.query(
        'SELECT idempotency_key FROM risk.decisions WHERE idempotency_key IS NOT NULL GROUP BY idempotency_key HAVING count(*) > 1',
      ),
    );
    expect(doubled.rows).to.deep.equal([]);
  });
});
