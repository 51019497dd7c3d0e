import { expect } from 'chai';
import { Client } from 'pg';
import { startApp, type TestApp } from '../support/app';
import { auditLedger } from '../support/ledger';
import { parseExposition, sampleSum } from '../support/metrics';
import { pollUntil, timed } from '../support/poll';

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

  describe('db_slow', () => {
    it('makes each query spend the delay inside PostgreSQL, visible in pg_stat_activity', async () => {
      await t.request.post('/api/failures').send({ db_slow: true, db_latency_ms: 600 }).expect(200);
      const pending = timed(() => t.request.get('/api/balance').expect(200));
      const observer = new Client({ connectionString: t.config.DATABASE_URL });
      await observer.connect();
      try {
        const sleeping = await pollUntil(
          'a pg_sleep from the API in pg_stat_activity',
          async () => (await observer.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'fintech-api' AND query LIKE '%pg_sleep%' AND state = 'active'")).rows[0].n,
          (n) => n >= 1,
          { timeoutMs: 3000, intervalMs: 50 },
        );
        expect(sleeping).to.be.at.least(1);
      } finally {
        await observer.end();
      }
      expect((await pending).ms).to.be.at.least(600);
      const samples = await metrics();
      expect(sampleSum(samples, 'fintech_db_query_duration_seconds_bucket', { operation: 'account_get', le: '0.5' })).to.equal(0);
      expect(sampleSum(samples, 'fintech_fault_affected_requests_total', { fault: 'db_slow' })).to.be.at.least(1);
    });

    it('holds connections: fintech_active_transactions climbs with concurrent transfers and the pool queue grows', async () => {
      await t.request.post('/api/failures').send({ db_slow: true, db_latency_ms: 300 }).expect(200);
      const transfers = Promise.all(
        Array.from({ length: 16 }, (_, i) =>
          t.request.post('/api/transfers').send({ from_account: 'ACC-001', to_account: `ACC-00${(i % 8) + 2}`, amount: 1 }),
        ),
      );
      const peak = await pollUntil(
        'active transactions and waiting clients to rise',
        async () => {
          const s = await metrics();
          return { active: sampleSum(s, 'fintech_active_transactions'), waiting: sampleSum(s, 'fintech_db_pool_connections', { state: 'waiting' }) };
        },
        (v) => v.active >= 10 && v.waiting >= 1,
        { timeoutMs: 5000, intervalMs: 50 },
      );
      expect(peak.active).to.equal(10);
      // All of them lock ACC-001, so the last in line may exceed the pool wait and get a clean 503.
      const answers = await transfers;
      expect(answers.every((r) => r.status === 201 || r.body.error?.code?.startsWith('DATABASE_')), JSON.stringify(answers.map((r) => r.status))).to.equal(true);
      expect(answers.filter((r) => r.status === 201).length).to.be.at.least(8);
      const audit = await auditLedger(t.config.DATABASE_URL);
      expect(audit).to.include({ unbalancedTransactions: 0, driftedAccounts: 0, negativeBalances: 0 });
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
      const { ms, value } = await timed(() => t.request.post('/api/transfers').send({ from_account: 'ACC-001', to_account: 'ACC-002', amount: 3 }));
      expect(value.status).to.equal(503);
      expect(value.body.error).to.include({ code: 'DATABASE_UNAVAILABLE' });
      expect(value.body.error.details).to.deep.equal({ fault: 'db_fail', injected: true });
      expect(ms).to.be.below(500);
      const after = await auditLedger(t.config.DATABASE_URL);
      expect(after.transactions).to.equal(before.transactions);
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
});
