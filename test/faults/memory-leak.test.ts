import { expect } from 'chai';
import { adminUrl, startApp, type TestApp } from '../support/app';
import { parseExposition, sampleSum } from '../../kit/exposition';
import { FaultClient } from '../../kit/faults';
import { waitUntil } from '../../kit/wait';
import { freshDatabase } from '../../kit/postgres';
import { spawnServer, type ServerProcess } from '../support/server-process';

const MB = 1024 * 1024;

const scrape = async (baseUrl: string) => parseExposition(await (await fetch(`${baseUrl}/metrics`)).text());
const leakedBytes = async (baseUrl: string) => sampleSum(await scrape(baseUrl), 'fintech_fault_leaked_bytes');

describe('memory_leak_mb', () => {
  // RSS is measured on a server process of its own: in the test runner, memory freed by earlier
  // tests is reused by the leak and hides its growth.
  describe('in a server process', () => {
    let s: ServerProcess;
    const rss = async () => sampleSum(await scrape(s.baseUrl), 'process_resident_memory_bytes');
    before(async () => {
      s = await spawnServer({
        DATABASE_URL: await freshDatabase(adminUrl()),
        LOG_LEVEL: 'warn',
        MEMORY_LEAK_CAP_MB: '200',
      });
    });
    after(async () => s?.kill('SIGKILL'));

    it('retains memory_leak_mb of real memory per affected request (RSS grows), releases it on reset (RSS falls)', async () => {
      const before = await rss();
      const faults = new FaultClient(s.baseUrl);
      expect((await faults.inject({ memory_leak_mb: 10 }, 60)).status).to.equal(200);
      for (let i = 0; i < 12; i += 1) expect((await fetch(`${s.baseUrl}/api/balance`)).status).to.equal(200);
      expect(await leakedBytes(s.baseUrl)).to.equal(120 * MB);
      const leaking = await rss();
      expect(leaking - before).to.be.at.least(100 * MB);
      const reset = await faults.reset();
      expect(reset.ok && reset.body.released_bytes).to.equal(120 * MB);
      expect(await leakedBytes(s.baseUrl)).to.equal(0);
      const after = await waitUntil('RSS to fall by 100 MB after reset', rss, {
        until: (r) => leaking - r >= 100 * MB,
        timeoutMs: 10_000,
      });
      expect(leaking - after).to.be.at.least(100 * MB);
    });
  });

  describe('accounting and cap', () => {
    let t: TestApp;
    before(async () => {
      t = await startApp({ MEMORY_LEAK_CAP_MB: '120' });
    });
    after(async () => t?.stop());
    afterEach(async () => {
      await t.request.post('/api/reset').expect(200);
    });

    it('counts exactly memory_leak_mb per affected request and shows the total', async () => {
      await t.request.post('/api/failures').send({ memory_leak_mb: 5 }).expect(200);
      for (let i = 0; i < 16; i += 1) await t.request.get('/api/balance').expect(200);
      expect(await leakedBytes(t.baseUrl)).to.equal(80 * MB);
      const view = (await t.request.get('/api/failures')).body;
      expect(view.leaked_bytes).to.equal(80 * MB);
      const samples = await scrape(t.baseUrl);
      expect(sampleSum(samples, 'fintech_fault_affected_requests_total', { fault: 'memory_leak' })).to.equal(16);
    });

    it('never exceeds the cap while the API keeps serving', async () => {
      await t.request.post('/api/failures').send({ memory_leak_mb: 50 }).expect(200);
      for (let i = 0; i < 5; i += 1) await t.request.get('/api/balance').expect(200);
      expect(await leakedBytes(t.baseUrl)).to.equal(100 * MB);
      const view = (await t.request.get('/api/failures')).body;
      expect(view.faults.memory_leak).to.include({ cap_bytes: 120 * MB, capped_requests: 3 });
    });

    it('also releases when only the leak is switched off with memory_leak_mb 0', async () => {
      await t.request.post('/api/failures').send({ memory_leak_mb: 1 }).expect(200);
      await t.request.get('/api/balance').expect(200);
      await t.request.post('/api/failures').send({ memory_leak_mb: 0 }).expect(200);
      expect(await leakedBytes(t.baseUrl)).to.equal(0);
    });
  });
});
