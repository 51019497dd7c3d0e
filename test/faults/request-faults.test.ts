import { expect } from 'chai';
import { adminUrl, startApp, type TestApp } from '../support/app';
import { parseExposition, sampleSum } from '../../kit/exposition';
import { timed } from '../../kit/wait';
import { freshDatabase } from '../../kit/postgres';
import { spawnServer, type ServerProcess } from '../support/server-process';

describe('request faults', () => {
  let t: TestApp;
  before(async () => {
    t = await startApp();
  });
  after(async () => t?.stop());
  afterEach(async () => {
    await t.request.post('/api/reset').expect(200);
  });

  const metrics = async () => parseExposition((await t.request.get('/metrics')).text);

  describe('latency_ms', () => {
    it('delays business routes and /health by at least the injected time', async () => {
      await t.request.post('/api/failures').send({ latency_ms: 300 }).expect(200);
      for (const path of ['/api/balance', '/health', '/api/accounts']) {
        const { ms } = await timed(() => t.request.get(path).expect(200));
        expect(ms, path).to.be.at.least(300);
      }
    });

    it('never delays the control plane, /metrics or /livez', async () => {
      await t.request.post('/api/failures').send({ latency_ms: 2000 }).expect(200);
      for (const call of [
        () => t.request.get('/livez').expect(200),
        () => t.request.get('/metrics').expect(200),
        () => t.request.get('/api/failures').expect(200),
      ]) {
        const { ms } = await timed(call);
        expect(ms).to.be.below(1000);
      }
    });

    it('adds up to latency_jitter_ms on top', async () => {
      await t.request.post('/api/failures').send({ latency_ms: 50, latency_jitter_ms: 100 }).expect(200);
      const delayed = [];
      for (let i = 0; i < 8; i += 1) delayed.push((await timed(() => t.request.get('/api/balance').expect(200))).ms);
      expect(Math.min(...delayed)).to.be.at.least(50);
      expect(Math.max(...delayed)).to.be.below(50 + 100 + 500);
    });

    it('narrows to the given route prefixes', async () => {
      await t.request
        .post('/api/failures')
        .send({ latency_ms: 400, routes: ['/api/transactions'] })
        .expect(200);
      expect((await timed(() => t.request.get('/api/balance').expect(200))).ms).to.be.below(400);
      expect((await timed(() => t.request.get('/api/transactions').expect(200))).ms).to.be.at.least(400);
    });
  });

  describe('error_rate', () => {
    it('fails every affected request at 100% with FAULT_INJECTED and the configured status, counted like real ones', async () => {
      await t.request.post('/api/failures').send({ error_rate: 100, error_status: 503 }).expect(200);
      const res = await t.request.get('/api/balance').expect(503);
      expect(res.body.error).to.include({ code: 'FAULT_INJECTED' });
      await t.request.get('/health').expect(503);
      const samples = await metrics();
      expect(sampleSum(samples, 'fintech_requests_total', { endpoint: '/api/balance', status: '503' })).to.equal(1);
      expect(sampleSum(samples, 'fintech_request_latency_seconds_count', { endpoint: '/api/balance' })).to.be.at.least(
        1,
      );
      expect(sampleSum(samples, 'fintech_errors_total', { code: 'FAULT_INJECTED', status: '503' })).to.equal(2);
      expect(sampleSum(samples, 'fintech_fault_affected_requests_total', { fault: 'error_rate' })).to.equal(2);
    });

    it('fails a share of requests close to error_rate (within 5 standard deviations over 800 requests)', async () => {
      await t.request.post('/api/failures').send({ error_rate: 30 }).expect(200);
      const n = 800;
      let failed = 0;
      for (let batch = 0; batch < n / 40; batch += 1) {
        const answers = await Promise.all(Array.from({ length: 40 }, () => t.request.get('/api/balance')));
        failed += answers.filter((r) => r.status === 500 && r.body.error.code === 'FAULT_INJECTED').length;
        expect(answers.every((r) => r.status === 200 || r.status === 500)).to.equal(true);
      }
      const sd = Math.sqrt((0.3 * 0.7) / n);
      expect(failed / n).to.be.closeTo(0.3, 5 * sd);
    });

    it('leaves the money untouched when a transfer is failed by the fault', async () => {
      const before = (await t.request.get('/api/accounts/ACC-002')).body.balance_cents;
      await t.request.post('/api/failures').send({ error_rate: 100 }).expect(200);
      await t.request
        .post('/api/transfers')
        .send({ from_account: 'ACC-001', to_account: 'ACC-002', amount: 5 })
        .expect(500);
      await t.request.post('/api/reset').expect(200);
      expect((await t.request.get('/api/accounts/ACC-002')).body.balance_cents).to.equal(before);
    });
  });

  describe('cpu_burn_ms', () => {
    // The API in a process of its own: in this process, the test's own client would stall with it.
    let s: ServerProcess;
    before(async () => {
      s = await spawnServer({ DATABASE_URL: await freshDatabase(adminUrl()), LOG_LEVEL: 'warn' });
    });
    after(async () => s?.kill('SIGKILL'));

    it('blocks the whole event loop: /livez and the control plane wait for a burn on another route', async () => {
      const burnMs = 1000;
      const call = (path: string) => timed(() => fetch(`${s.baseUrl}${path}`).then((r) => r.status));
      expect(
        (
          await fetch(`${s.baseUrl}/api/failures`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ cpu_burn_ms: burnMs, routes: ['/api/balance'] }),
          })
        ).status,
      ).to.equal(200);
      let done = false;
      const burning = fetch(`${s.baseUrl}/api/balance`).then((r) => {
        done = true;
        return r.status;
      });
      // Rounds of concurrent calls to routes no fault targets, until the burning request has answered:
      // the round in flight when the burn starts waits for all of it.
      const slowest: Record<string, number> = { '/livez': 0, 'GET /api/failures': 0, '/metrics': 0 };
      while (!done) {
        const [livez, failures, metrics] = await Promise.all([call('/livez'), call('/api/failures'), call('/metrics')]);
        for (const [key, r] of [
          ['/livez', livez],
          ['GET /api/failures', failures],
          ['/metrics', metrics],
        ] as const) {
          expect(r.value, key).to.equal(200);
          slowest[key] = Math.max(slowest[key] as number, r.ms);
        }
      }
      expect(await burning).to.equal(200);
      for (const [key, ms] of Object.entries(slowest))
        expect(ms, `${key} waited ${ms.toFixed(0)} ms`).to.be.at.least(burnMs * 0.8);
      const samples = parseExposition(await (await fetch(`${s.baseUrl}/metrics`)).text());
      expect(sampleSum(samples, 'fintech_fault_affected_requests_total', { fault: 'cpu_burn' })).to.equal(1);
    });
  });

  describe('combined faults', () => {
    it('applies latency and errors together on the same request', async () => {
      await t.request.post('/api/failures').send({ latency_ms: 200, error_rate: 100 }).expect(200);
      const { ms, value } = await timed(() => t.request.get('/api/balance'));
      expect(value.status).to.equal(500);
      expect(ms).to.be.at.least(200);
    });
  });
});
