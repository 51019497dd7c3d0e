import { expect } from 'chai';
import { Client } from 'pg';
import { startApp, type TestApp } from '../support/app';
import { createTemplate, freshDatabase, startEmbeddedPostgres, type TestPostgres } from '../../kit/postgres';
import { auditLedger } from '../support/ledger';
import { parseExposition, sampleSum } from '../../kit/exposition';
import { waitUntil, timed } from '../../kit/wait';

describe('database faults', () => {
  let t: TestApp;
  before(async () => {
    t = await startApp({ DB_POOL_MAX: '10', DB_CONNECT_TIMEOUT_MS: '5000' });
  });
  after(async () => t?.stop());
  afterEach(async () => {
    await t.request.post('/api/reset').expect(200);
  });

  const metrics = async () => parseExposition((await t.request.get('/metrics')).text);
  /** Waits until the API has a pg_sleep running in PostgreSQL on a session matching `where`; returns how many. */
  const apiSleeping = (observer: Client, description: string, where: string) =>
    waitUntil(
      description,
      async () =>
        (
          await observer.query(
            `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'fintech-api' AND query LIKE '%pg_sleep%' AND state = 'active' AND ${where}`,
          )
        ).rows[0].n as number,
      { until: (n) => n >= 1, timeoutMs: 5000, intervalMs: 50 },
    );

  describe('db_slow', () => {
    it('makes each query spend the delay inside PostgreSQL, visible in pg_stat_activity', async () => {
      await t.request.post('/api/failures').send({ db_slow: true, db_latency_ms: 600 }).expect(200);
      const pending = timed(() => t.request.get('/api/balance').expect(200));
      const observer = new Client({ connectionString: t.config.DATABASE_URL });
      await observer.connect();
      try {
        expect(await apiSleeping(observer, 'a pg_sleep from the API in pg_stat_activity', 'true')).to.be.at.least(1);
      } finally {
        await observer.end();
      }
      expect((await pending).ms).to.be.at.least(600);
      const samples = await metrics();
      expect(
        sampleSum(samples, 'fintech_db_query_duration_seconds_bucket', { operation: 'account_get', le: '0.5' }),
      ).to.equal(0);
      expect(sampleSum(samples, 'fintech_fault_affected_requests_total', { fault: 'db_slow' })).to.be.at.least(1);
    });

    it('holds connections: fintech_active_transactions climbs with concurrent transfers and the pool queue grows', async () => {
      await t.request.post('/api/failures').send({ db_slow: true, db_latency_ms: 300 }).expect(200);
      const transfers = Promise.all(
        Array.from({ length: 16 }, (_, i) =>
          t.request
            .post('/api/transfers')
            .send({ from_account: 'ACC-001', to_account: `ACC-00${(i % 8) + 2}`, amount: 1 }),
        ),
      );
      const peak = await waitUntil(
        'active transactions and waiting clients to rise',
        async () => {
          const s = await metrics();
          return {
            active: sampleSum(s, 'fintech_active_transactions'),
            waiting: sampleSum(s, 'fintech_db_pool_connections', { state: 'waiting' }),
          };
        },
        { until: (v) => v.active >= 10 && v.waiting >= 1, timeoutMs: 5000, intervalMs: 50 },
      );
      expect(peak.active).to.equal(10);
      // All of them lock ACC-001, so the last in line may exceed the pool wait and get a clean 503.
      const answers = await transfers;
      expect(
        answers.every((r) => r.status === 201 || r.body.error?.code?.startsWith('DATABASE_')),
        JSON.stringify(answers.map((r) => r.status)),
      ).to.equal(true);
      expect(answers.filter((r) => r.status === 201).length).to.be.at.least(8);
      const audit = await auditLedger(t.config.DATABASE_URL);
      expect(audit).to.include({ unbalancedTransactions: 0, driftedAccounts: 0, negativeBalances: 0 });
    });

    it('sleeps while the transfer holds its row locks, so transfers of the same account queue behind it', async () => {
      await t.request.post('/api/failures').send({ db_slow: true, db_latency_ms: 1500 }).expect(200);
      const pending = t.request
        .post('/api/transfers')
        .send({ from_account: 'ACC-003', to_account: 'ACC-004', amount: 1 })
        .then((res) => res.status);
      const observer = new Client({ connectionString: t.config.DATABASE_URL });
      await observer.connect();
      try {
        // A transaction id is assigned at the first row lock: a sleep with one is a sleep holding the locks.
        await apiSleeping(
          observer,
          'a pg_sleep from the API inside a transaction that locked rows',
          'backend_xid IS NOT NULL',
        );
        await observer.query('BEGIN');
        const locked = await observer.query("SELECT 1 FROM accounts WHERE number = 'ACC-003' FOR UPDATE NOWAIT").then(
          () => 'free',
          (err: { code?: string }) => err.code,
        );
        await observer.query('ROLLBACK');
        expect(locked).to.equal('55P03');
      } finally {
        await observer.end();
      }
      expect(await pending).to.equal(201);
    });

    it('keeps routes that do not touch the database fast', async () => {
      await t.request.post('/api/failures').send({ db_slow: true, db_latency_ms: 2000 }).expect(200);
      expect((await timed(() => t.request.get('/livez').expect(200))).ms).to.be.below(500);
    });

    it('uses DB_SLOW_DEFAULT_MS when db_slow is true without a delay', async () => {
      await t.request.post('/api/failures').send({ db_slow: true }).expect(200);
      const { ms } = await timed(() => t.request.get('/api/balance').expect(200));
      expect(ms).to.be.at.least(t.config.DB_SLOW_DEFAULT_MS);
    });
  });

  describe('db_fail', () => {
    it('fails database routes fast with 503 DATABASE_UNAVAILABLE and moves no money', async () => {
      const before = await auditLedger(t.config.DATABASE_URL);
      await t.request.post('/api/failures').send({ db_fail: true }).expect(200);
      const { ms, value } = await timed(() =>
        t.request.post('/api/transfers').send({ from_account: 'ACC-001', to_account: 'ACC-002', amount: 3 }),
      );
      expect(value.status).to.equal(503);
      expect(value.body.error).to.include({ code: 'DATABASE_UNAVAILABLE' });
      expect(value.body.error.details).to.deep.equal({ fault: 'db_fail', injected: true });
      expect(ms).to.be.below(500);
      const after = await auditLedger(t.config.DATABASE_URL);
      expect(after.transactions).to.equal(before.transactions);
    });

    it('fails only the routes it is scoped to: the request path reaches the query hook', async () => {
      await t.request
        .post('/api/failures')
        .send({ db_fail: true, routes: ['/api/accounts'] })
        .expect(200);
      await t.request.get('/api/balance').expect(200);
      const res = await t.request.get('/api/accounts/ACC-002').expect(503);
      expect(res.body.error.details).to.deep.equal({ fault: 'db_fail', injected: true });
    });

    it('makes /health and /healthz report the database as down, but not /livez', async () => {
      await t.request.post('/api/failures').send({ db_fail: true }).expect(200);
      await t.request.get('/health').expect(503);
      const healthz = await t.request.get('/healthz').expect(503);
      expect(healthz.body.checks.database.status).to.equal('failed');
      await t.request.get('/livez').expect(200);
    });

    it('recovers immediately on reset', async () => {
      await t.request.post('/api/failures').send({ db_fail: true }).expect(200);
      await t.request.get('/api/balance').expect(503);
      await t.request.post('/api/reset').expect(200);
      await t.request.get('/api/balance').expect(200);
    });
  });

  describe('db_fail, counted by PostgreSQL itself (pg_stat_statements)', () => {
    // A server of its own: pg_stat_statements must be preloaded, and it counts every statement
    // (BEGIN and ROLLBACK included) the moment it ends, so "nothing reached PostgreSQL" is a count.
    let pg: TestPostgres;
    let app: TestApp;
    let observer: Client;
    let dbid: number;
    before(async () => {
      pg = await startEmbeddedPostgres({ postgresFlags: ['-c', 'shared_preload_libraries=pg_stat_statements'] });
      await createTemplate(pg.adminUrl);
      const url = await freshDatabase(pg.adminUrl);
      app = await startApp({ DB_POOL_MAX: '2', DB_CONNECT_TIMEOUT_MS: '3000' }, { databaseUrl: url });
      observer = new Client({ connectionString: pg.adminUrl });
      await observer.connect();
      await observer.query('CREATE EXTENSION pg_stat_statements');
      dbid = (
        await observer.query('SELECT oid::int AS oid FROM pg_database WHERE datname = $1', [
          new URL(url).pathname.slice(1),
        ])
      ).rows[0].oid;
    });
    after(async () => {
      await observer?.end();
      await app?.stop();
      await pg?.dispose();
    });
    afterEach(async () => {
      await app.request.post('/api/reset').expect(200);
    });

    /** Every statement the API's database has run so far, by normalised text, with its number of calls. */
    const statements = async (): Promise<Record<string, number>> => {
      const rows = (
        await observer.query('SELECT query, calls::int AS calls FROM pg_stat_statements WHERE dbid = $1', [dbid])
      ).rows;
      return Object.fromEntries(rows.map((r: { query: string; calls: number }) => [r.query, r.calls]));
    };
    /** The statements that ran (and how often) between two counts. */
    const ranBetween = (before: Record<string, number>, after: Record<string, number>) =>
      Object.fromEntries(
        Object.entries(after).flatMap(([q, n]) => (n > (before[q] ?? 0) ? [[q, n - (before[q] ?? 0)]] : [])),
      );
    const transfer = () =>
      app.request.post('/api/transfers').send({ from_account: 'ACC-001', to_account: 'ACC-002', amount: 3 });

    /** How often a statement containing text ran, whatever its normalised form. */
    const callsOf = (ran: Record<string, number>, text: string) =>
      Object.entries(ran).reduce((n, [q, calls]) => n + (q.includes(text) ? calls : 0), 0);

    it('runs a transfer as one statement in one round trip: no BEGIN, no COMMIT', async () => {
      const before = await statements();
      await transfer().expect(201);
      const ran = ranBetween(before, await statements());
      expect(callsOf(ran, 'transfer_money'), JSON.stringify(ran)).to.equal(1);
      expect(ran).to.not.have.any.keys('BEGIN', 'COMMIT', 'ROLLBACK');
    });

    it('with db_slow, runs the transfer in BEGIN .. COMMIT with one sleep before the statement and one before the commit', async () => {
      await app.request.post('/api/failures').send({ db_slow: true, db_latency_ms: 50 }).expect(200);
      const before = await statements();
      await transfer().expect(201);
      const ran = ranBetween(before, await statements());
      expect(ran, JSON.stringify(ran)).to.include({ BEGIN: 1, COMMIT: 1 });
      expect(callsOf(ran, 'transfer_money')).to.equal(1);
      expect(callsOf(ran, 'pg_sleep')).to.equal(2);
    });

    it('fails a transfer before a connection is taken: no BEGIN, no ROLLBACK, no statement at all', async () => {
      await app.request.post('/api/failures').send({ db_fail: true }).expect(200);
      const before = await statements();
      const res = await transfer().expect(503);
      expect(res.body.error).to.deep.include({
        code: 'DATABASE_UNAVAILABLE',
        details: { fault: 'db_fail', injected: true },
      });
      expect(ranBetween(before, await statements())).to.deep.equal({});
    });

    it('wins over db_slow: fails at once and no pg_sleep reaches PostgreSQL', async () => {
      await app.request.post('/api/failures').send({ db_slow: true, db_latency_ms: 1500, db_fail: true }).expect(200);
      const before = await statements();
      const { ms, value } = await timed(() => app.request.get('/api/balance'));
      expect(value.status).to.equal(503);
      expect(value.body.error.code).to.equal('DATABASE_UNAVAILABLE');
      expect(ms).to.be.below(1000);
      expect(ranBetween(before, await statements())).to.deep.equal({});
    });

    it('answers DATABASE_UNAVAILABLE at once with every pool connection held, not DATABASE_BUSY after the connect timeout', async () => {
      const held = await Promise.all([app.pool.connect(), app.pool.connect()]);
      try {
        expect(app.pool.totalCount).to.equal(app.config.DB_POOL_MAX);
        await app.request.post('/api/failures').send({ db_fail: true }).expect(200);
        const { ms, value } = await timed(() => app.request.get('/api/balance'));
        expect(value.body.error?.code).to.equal('DATABASE_UNAVAILABLE');
        expect(ms).to.be.below(app.config.DB_CONNECT_TIMEOUT_MS / 2);
      } finally {
        for (const client of held) client.release();
      }
    });
  });
});
