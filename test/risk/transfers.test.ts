import { expect } from 'chai';
import { adminUrl, startApp, type TestApp } from '../support/app';
import { auditLedger } from '../support/ledger';
import { parseExposition, sampleSum } from '../../kit/exposition';
import { freshDatabase } from '../../kit/postgres';
import { freePort } from '../../kit/ports';
import { readDecisions, startRisk, type TestRisk } from '../support/risk';

const TOKEN = 'risk-policy-token-0123456789';

describe('transfers scored by the risk service', () => {
  let risk: TestRisk;
  let t: TestApp;
  let url: string;
  const auth = { Authorization: `Bearer ${TOKEN}` };
  before(async () => {
    // One database: the ledger in public, the risk service's decisions in its own schema.
    url = await freshDatabase(adminUrl());
    risk = await startRisk(url, { RISK_DECLINE_ABOVE_CENTS: '100000' });
    t = await startApp({ RISK_URL: risk.baseUrl, CHAOS_TOKEN: TOKEN }, { databaseUrl: url });
  });
  after(async () => {
    await t?.stop();
    await risk?.stop();
  });
  afterEach(async () => {
    await risk.request.post('/api/reset').expect(200);
    await t.request.post('/api/policies/reset').set(auth).expect(200);
  });

  const transfer = (amount: string, key?: string, from = 'ACC-001', to = 'ACC-002') => {
    const req = t.request.post('/api/transfers');
    return (key ? req.set('Idempotency-Key', key) : req).send({ from_account: from, to_account: to, amount });
  };
  const policies = (body: Record<string, unknown>) => t.request.post('/api/policies').set(auth).send(body).expect(200);
  const decisionsFor = async (key: string) => (await readDecisions(url)).filter((d) => d.idempotency_key === key);

  it('moves an approved transfer and stores exactly one approving decision for its key', async () => {
    await transfer('10.00', 'tr-approve').expect(201);
    expect(await decisionsFor('tr-approve')).to.deep.equal([
      { idempotency_key: 'tr-approve', decision: 'approve', calls: 1, amount_cents: '1000' },
    ]);
  });

  it('declines above the limit with 422 RISK_DECLINED and its reason, moving nothing', async () => {
    const before = await auditLedger(url);
    const res = await transfer('1000.01', 'tr-decline').expect(422);
    expect(res.body.error).to.include({ code: 'RISK_DECLINED' });
    expect(res.body.error.details.reason).to.equal('amount_above_limit');
    const after = await auditLedger(url);
    expect(after.transactions).to.equal(before.transactions);
    expect(after.totalBalanceCents).to.equal(before.totalBalanceCents);
  });

  it('replays a retried transfer: one decision, one movement', async () => {
    const first = await transfer('5.00', 'tr-retry').expect(201);
    const again = await transfer('5.00', 'tr-retry').expect(200);
    expect(again.body.transaction_id).to.equal(first.body.transaction_id);
    const rows = await decisionsFor('tr-retry');
    expect(rows).to.have.lengthOf(1);
    expect(rows[0]?.calls).to.equal(2);
  });

  it('retries a keyed call through injected 503s (all 4 attempts reach the service), never a keyless one', async () => {
    await risk.request.post('/api/failures').send({ error_rate: 100, error_status: 503, duration_s: 60 }).expect(200);
    await policies({ retry_max_attempts: 4, retry_base_ms: 1, breaker_enabled: false });
    const received503 = async () =>
      Number(
        /^risk_requests_total\{method="POST",endpoint="\/api\/decisions",status="503"\} (\d+)/m.exec(
          (await risk.request.get('/metrics')).text,
        )?.[1] ?? 0,
      );
    const before = await received503();
    const keyed = await transfer('1.00', 'tr-storm').expect(503);
    expect(keyed.body.error).to.include({ code: 'DEPENDENCY_UNAVAILABLE' });
    expect(keyed.body.error.details).to.include({ failure: 'unavailable', attempts: 4 });
    const keyless = await transfer('1.00').expect(503);
    expect(keyless.body.error.details).to.include({ attempts: 1 });
    expect((await received503()) - before).to.equal(5);
  });

  it('answers 504 DEPENDENCY_TIMEOUT within the timeout when the risk service is slow, moving nothing', async () => {
    await risk.request.post('/api/failures').send({ latency_ms: 2000, duration_s: 60 }).expect(200);
    await policies({ timeout_ms: 150, retry_max_attempts: 1 });
    const before = await auditLedger(url);
    const started = Date.now();
    const res = await transfer('1.00', 'tr-slow').expect(504);
    expect(Date.now() - started).to.be.below(1000);
    expect(res.body.error.code).to.equal('DEPENDENCY_TIMEOUT');
    expect((await auditLedger(url)).transactions).to.equal(before.transactions);
  });

  it('approves below the fallback limit while the risk service fails, and refuses above it', async () => {
    await risk.request.post('/api/failures').send({ error_rate: 100, duration_s: 60 }).expect(200);
    await policies({ fallback: 'approve_below_limit', fallback_limit_cents: 2000, retry_max_attempts: 1 });
    await transfer('20.00', 'tr-fb-small').expect(201);
    const big = await transfer('20.01', 'tr-fb-big').expect(503);
    expect(big.body.error.code).to.equal('DEPENDENCY_UNAVAILABLE');
    const metrics = (await t.request.get('/metrics')).text;
    const samples = parseExposition(metrics);
    expect(
      sampleSum(samples, 'fintech_dependency_fallbacks_total', { dependency: 'risk', decision: 'approved' }),
    ).to.equal(1);
  });

  it('opens the breaker after failures, then refuses at once without calling the risk service', async () => {
    await risk.request.post('/api/failures').send({ error_rate: 100, duration_s: 60 }).expect(200);
    await policies({
      retry_max_attempts: 1,
      breaker_min_attempts: 4,
      breaker_failure_ratio: 0.5,
      breaker_half_open_ms: 60_000,
    });
    for (let i = 0; i < 4; i += 1) await transfer('1.00').expect(503);
    const view = (await t.request.get('/api/policies').set(auth).expect(200)).body;
    expect(view.breaker).to.deep.equal({ enabled: true, state: 'open' });
    const res = await transfer('1.00').expect(503);
    expect(res.body.error.details.failure).to.equal('breaker_open');
    const metrics = (await t.request.get('/metrics')).text;
    const samples = parseExposition(metrics);
    expect(sampleSum(samples, 'fintech_dependency_breaker_state', { dependency: 'risk', state: 'open' })).to.equal(1);
    expect(
      sampleSum(samples, 'fintech_dependency_breaker_transitions_total', { dependency: 'risk', state: 'open' }),
    ).to.equal(1);
  });

  it('fails closed with 503 DEPENDENCY_UNAVAILABLE when nothing listens at RISK_URL', async () => {
    const port = await freePort();
    const down = await startApp({ RISK_URL: `http://127.0.0.1:${port}` }, { databaseUrl: url });
    try {
      const res = await down.request
        .post('/api/transfers')
        .send({ from_account: 'ACC-001', to_account: 'ACC-002', amount: '1.00' })
        .expect(503);
      expect(res.body.error.code).to.equal('DEPENDENCY_UNAVAILABLE');
    } finally {
      await down.stop();
    }
  });

  describe('/api/policies', () => {
    it('shows the policies, the breaker and the bulkhead', async () => {
      const res = await t.request.get('/api/policies').set(auth).expect(200);
      expect(res.body.policies).to.include({ timeout_ms: 1000, retry_max_attempts: 3, fallback: 'fail_closed' });
      expect(res.body.breaker).to.deep.equal({ enabled: true, state: 'closed' });
      expect(res.body.bulkhead).to.include({ enabled: true });
    });

    it('lists every problem of an invalid update and changes nothing', async () => {
      const res = await t.request
        .post('/api/policies')
        .set(auth)
        .send({ timeout_ms: -1, retry_backoff: 'linear', fallback: 'maybe', unknown: 1 })
        .expect(400);
      const paths = (res.body.error.details.problems as { path: string }[]).map((p) => p.path);
      expect(paths).to.have.members(['body.timeout_ms', 'body.retry_backoff', 'body.fallback', 'body.unknown']);
      expect((await t.request.get('/api/policies').set(auth)).body.policies.timeout_ms).to.equal(1000);
    });

    it('requires the bearer token', async () => {
      await t.request.get('/api/policies').expect(401);
      await t.request.post('/api/policies').send({ timeout_ms: 5 }).expect(401);
    });
  });
});
