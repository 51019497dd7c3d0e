import { expect } from 'chai';
import { startApp, type TestApp } from '../support/app';
import { parseExposition, sampleSum } from '../../kit/exposition';
import { waitUntil } from '../../kit/wait';

describe('fault control plane', () => {
  let t: TestApp;
  before(async () => {
    t = await startApp();
  });
  after(async () => t?.stop());
  afterEach(async () => {
    await t.request.post('/api/reset').expect(200);
  });

  const current = async () => (await t.request.get('/api/failures').expect(200)).body;

  describe('POST /api/failures', () => {
    for (const payload of [
      { latency_ms: 2000 },
      { error_rate: 30 },
      { db_slow: true },
      { memory_leak_mb: 5 },
      { db_fail: true },
      { latency_ms: 800, error_rate: 10 },
    ]) {
      it(`accepts the workshop payload ${JSON.stringify(payload)} exactly as written`, async () => {
        const res = await t.request.post('/api/failures').send(payload).expect(200);
        expect(res.body.status).to.equal('updated');
        expect(res.body.config).to.include(payload);
        expect((await current()).current_config).to.include(payload);
      });
    }

    it('merges: keys left out keep their values', async () => {
      await t.request.post('/api/failures').send({ latency_ms: 300 }).expect(200);
      const res = await t.request.post('/api/failures').send({ error_rate: 5 }).expect(200);
      expect(res.body.config).to.include({ latency_ms: 300, error_rate: 5 });
    });

    it('rejects an error_rate above 100 and keeps the current faults', async () => {
      await t.request.post('/api/failures').send({ latency_ms: 100 }).expect(200);
      const before = await current();
      const res = await t.request.post('/api/failures').send({ error_rate: 101, latency_ms: 5 }).expect(400);
      expect(res.body.error.details.problems.map((p: { path: string }) => p.path)).to.deep.equal(['body.error_rate']);
      expect((await current()).current_config).to.deep.equal(before.current_config);
    });

    it('lists every problem at once: unknown key, wrong type, out of range, bad status', async () => {
      const res = await t.request
        .post('/api/failures')
        .send({
          latency_ms: '2000',
          db_slow: 'yes',
          memory_leak_mb: -1,
          error_status: 404,
          cpu_burn_ms: 1e9,
          chaos_monkey: true,
        })
        .expect(400);
      const paths = res.body.error.details.problems.map((p: { path: string }) => p.path);
      expect(paths).to.have.members([
        'body.latency_ms',
        'body.db_slow',
        'body.memory_leak_mb',
        'body.error_status',
        'body.cpu_burn_ms',
        'body.chaos_monkey',
      ]);
      expect(
        Object.values((await current()).current_config).every((v) => v === 0 || v === false || v === 500),
      ).to.equal(true);
    });

    it('rejects a non-object body and route prefixes that are not paths', async () => {
      await t.request.post('/api/failures').set('Content-Type', 'application/json').send('[1]').expect(400);
      const res = await t.request
        .post('/api/failures')
        .send({ latency_ms: 10, routes: ['api/balance'] })
        .expect(400);
      expect(res.body.error.details.problems[0].path).to.equal('body.routes.0');
    });

    it('treats db_latency_ms on its own as "make the database slow"', async () => {
      const res = await t.request.post('/api/failures').send({ db_latency_ms: 50 }).expect(200);
      expect(res.body.config).to.include({ db_slow: true, db_latency_ms: 50 });
    });
  });

  describe('GET /api/failures', () => {
    it('shows each fault, when it started and when it expires', async () => {
      await t.request.post('/api/failures').send({ latency_ms: 10, duration_s: 60 }).expect(200);
      const body = await current();
      expect(body.enabled).to.equal(true);
      expect(body.faults.latency.active).to.equal(true);
      const started = Date.parse(body.faults.latency.started_at);
      expect(Date.parse(body.faults.latency.expires_at) - started).to.be.closeTo(60_000, 1000);
      expect(body.faults.error_rate).to.deep.equal({ active: false });
    });
  });

  describe('duration_s', () => {
    it('switches the faults of that request off by itself, leaving others on', async () => {
      await t.request.post('/api/failures').send({ error_rate: 1 }).expect(200);
      await t.request.post('/api/failures').send({ latency_ms: 10, duration_s: 1 }).expect(200);
      const body = await waitUntil('latency to expire', current, {
        until: (b) => b.current_config.latency_ms === 0,
        timeoutMs: 5000,
      });
      expect(body.current_config.error_rate).to.equal(1);
      const samples = parseExposition((await t.request.get('/metrics')).text);
      expect(sampleSum(samples, 'fintech_fault_changes_total', { action: 'expire' })).to.equal(1);
      expect(sampleSum(samples, 'fintech_fault_active', { fault: 'latency' })).to.equal(0);
    });
  });

  describe('changing a fault that expires', () => {
    it('keeps its expiry and routes when the new request leaves them out', async () => {
      await t.request
        .post('/api/failures')
        .send({ latency_ms: 10, duration_s: 60, routes: ['/api/balance'] })
        .expect(200);
      const first = (await current()).faults.latency;
      await t.request.post('/api/failures').send({ latency_ms: 20 }).expect(200);
      const second = (await current()).faults.latency;
      expect(second).to.include({ expires_at: first.expires_at, started_at: first.started_at });
      expect(second.routes).to.deep.equal(['/api/balance']);
    });
  });

  describe('POST /api/reset', () => {
    it('clears every fault and answers reset complete', async () => {
      await t.request.post('/api/failures').send({ latency_ms: 10, error_rate: 5, db_slow: true }).expect(200);
      const res = await t.request.post('/api/reset').expect(200);
      expect(res.body.status).to.equal('reset complete');
      expect(res.body.config).to.include({ latency_ms: 0, error_rate: 0, db_slow: false });
    });
  });

  describe('fault metrics', () => {
    it('show which faults are active, with their settings', async () => {
      await t.request.post('/api/failures').send({ latency_ms: 250, error_rate: 12.5 }).expect(200);
      const samples = parseExposition((await t.request.get('/metrics')).text);
      expect(sampleSum(samples, 'fintech_fault_active', { fault: 'latency' })).to.equal(1);
      expect(sampleSum(samples, 'fintech_fault_active', { fault: 'db_fail' })).to.equal(0);
      expect(sampleSum(samples, 'fintech_fault_setting', { setting: 'latency_ms' })).to.equal(250);
      expect(sampleSum(samples, 'fintech_fault_setting', { setting: 'error_rate' })).to.equal(12.5);
    });
  });
});
