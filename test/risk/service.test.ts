import { expect } from 'chai';
import { adminUrl } from '../support/app';
import { freshDatabase } from '../../kit/postgres';
import { readDecisions, startRisk, type TestRisk } from '../support/risk';

describe('risk service', () => {
  let risk: TestRisk;
  let url: string;
  before(async () => {
    url = await freshDatabase(adminUrl());
    risk = await startRisk(url, { RISK_DECLINE_ABOVE_CENTS: '100000' });
  });
  after(async () => risk?.stop());
  afterEach(async () => void (await risk.request.post('/api/reset').expect(200)));

  const score = (body: Record<string, unknown>, key?: string) => {
    const req = risk.request.post('/api/decisions');
    return (key ? req.set('Idempotency-Key', key) : req).send(body);
  };

  describe('POST /api/decisions', () => {
    it('approves an amount within the limit and declines one above it, with a reason', async () => {
      const ok = await score({ from_account: 'ACC-001', to_account: 'ACC-002', amount_cents: 100000 }, 'svc-1').expect(
        201,
      );
      expect(ok.body).to.include({ decision: 'approve', reason: 'within_limit', replayed: false, score: 50 });
      const no = await score({ from_account: 'ACC-001', to_account: 'ACC-002', amount_cents: 100001 }, 'svc-2').expect(
        201,
      );
      expect(no.body).to.include({ decision: 'decline', reason: 'amount_above_limit', replayed: false });
    });

    it('answers a repeated key with the stored decision and keeps one row, counting the calls', async () => {
      const body = { from_account: 'ACC-003', to_account: 'ACC-004', amount_cents: 500 };
      const first = await score(body, 'svc-replay').expect(201);
      const again = await score(body, 'svc-replay').expect(200);
      await score(body, 'svc-replay').expect(200);
      expect(again.body).to.deep.equal({ ...first.body, replayed: true });
      const rows = (await readDecisions(url)).filter((d) => d.idempotency_key === 'svc-replay');
      expect(rows).to.have.lengthOf(1);
      expect(rows[0]?.calls).to.equal(3);
    });

    it('answers 409 IDEMPOTENCY_KEY_REUSED when a key comes back with another transfer', async () => {
      await score({ from_account: 'ACC-003', to_account: 'ACC-004', amount_cents: 700 }, 'svc-reuse').expect(201);
      const res = await score(
        { from_account: 'ACC-003', to_account: 'ACC-004', amount_cents: 701 },
        'svc-reuse',
      ).expect(409);
      expect(res.body.error.code).to.equal('IDEMPOTENCY_KEY_REUSED');
    });

    it('lists every problem of a bad request at once and stores nothing', async () => {
      const before = (await readDecisions(url)).length;
      const res = await score({ from_account: 'nope', amount_cents: 1.5, extra: 1 }, 'bad key!').expect(400);
      const paths = (res.body.error.details.problems as { path: string }[]).map((p) => p.path);
      expect(paths).to.include.members([
        'body.from_account',
        'body.to_account',
        'body.amount_cents',
        'body.extra',
        'headers.idempotency-key',
      ]);
      expect(await readDecisions(url)).to.have.lengthOf(before);
    });
  });

  describe('its fault API (the engine of app/faults)', () => {
    it('injects errors into scoring calls but never into /livez, /metrics or the fault API', async () => {
      await risk.request.post('/api/failures').send({ error_rate: 100, error_status: 503, duration_s: 60 }).expect(200);
      const res = await score({ from_account: 'ACC-001', to_account: 'ACC-002', amount_cents: 1 }).expect(503);
      expect(res.body.error.code).to.equal('FAULT_INJECTED');
      await risk.request.get('/livez').expect(200);
      const state = await risk.request.get('/api/failures').expect(200);
      expect(state.body.faults.error_rate.active).to.equal(true);
    });

    it('slows its own database with db_slow (its decisions wait in PostgreSQL)', async () => {
      await risk.request.post('/api/failures').send({ db_latency_ms: 300, duration_s: 60 }).expect(200);
      const started = Date.now();
      await score({ from_account: 'ACC-001', to_account: 'ACC-002', amount_cents: 1 }).expect(201);
      expect(Date.now() - started).to.be.at.least(290);
    });
  });

  describe('GET /metrics, /livez, /openapi.json', () => {
    it('exposes RED metrics and decisions under risk_* names, and the engine fault series', async () => {
      await score({ from_account: 'ACC-001', to_account: 'ACC-002', amount_cents: 1 }).expect(201);
      const text = (await risk.request.get('/metrics').expect(200)).text;
      expect(text).to.match(/^risk_requests_total\{method="POST",endpoint="\/api\/decisions",status="201"\} \d+/m);
      expect(text).to.match(/^risk_request_latency_seconds_bucket\{/m);
      expect(text).to.match(/^risk_decisions_total\{decision="approve",replayed="false"\} \d+/m);
      expect(text).to.match(/^fintech_fault_active\{fault="latency"\} 0/m);
      expect(text).to.not.match(/^fintech_requests_total/m);
    });

    it('documents the scoring call and the fault API', async () => {
      const doc = (await risk.request.get('/openapi.json').expect(200)).body;
      expect(Object.keys(doc.paths)).to.include.members(['/api/decisions', '/api/failures', '/api/reset']);
      expect(doc.info.title).to.equal('Risk service');
    });
  });
});
