import v8 from 'node:v8';
import vm from 'node:vm';
import { expect } from 'chai';
import { startApp, type TestApp } from '../support/app';
import { parseExposition, sampleSum } from '../support/metrics';
import { pollUntil } from '../support/poll';

const MB = 1024 * 1024;

/** A full collection first, so garbage freed by other tests does not hide the growth being measured. */
function settledRss(): number {
  v8.setFlagsFromString('--expose-gc');
  (vm.runInNewContext('gc') as () => void)();
  return process.memoryUsage().rss;
}

describe('memory_leak_mb', () => {
  let t: TestApp;
  before(async () => {
    t = await startApp({ MEMORY_LEAK_CAP_MB: '120' });
  });
  after(async () => t?.stop());
  afterEach(async () => {
    await t.request.post('/api/reset').expect(200);
  });

  const leaked = async () => sampleSum(parseExposition((await t.request.get('/metrics')).text), 'fintech_fault_leaked_bytes');

  it('retains memory_leak_mb of real memory per affected request: RSS grows and the total is visible', async () => {
    const rssBefore = settledRss();
    const buffersBefore = process.memoryUsage().arrayBuffers;
    await t.request.post('/api/failures').send({ memory_leak_mb: 5 }).expect(200);
    for (let i = 0; i < 16; i += 1) await t.request.get('/api/balance').expect(200);
    expect(await leaked()).to.equal(80 * MB);
    expect(process.memoryUsage().arrayBuffers - buffersBefore).to.be.at.least(75 * MB);
    expect(settledRss() - rssBefore).to.be.at.least(60 * MB);
    const view = (await t.request.get('/api/failures')).body;
    expect(view.leaked_bytes).to.equal(80 * MB);
  });

  it('never exceeds the cap while the API keeps serving', async () => {
    await t.request.post('/api/failures').send({ memory_leak_mb: 50 }).expect(200);
    for (let i = 0; i < 5; i += 1) await t.request.get('/api/balance').expect(200);
    expect(await leaked()).to.equal(100 * MB);
    const view = (await t.request.get('/api/failures')).body;
    expect(view.faults.memory_leak).to.include({ cap_bytes: 120 * MB, capped_requests: 3 });
  });

  it('releases everything on reset, and RSS falls back', async () => {
    await t.request.post('/api/failures').send({ memory_leak_mb: 10 }).expect(200);
    for (let i = 0; i < 10; i += 1) await t.request.get('/api/balance').expect(200);
    const rssLeaking = settledRss();
    const res = await t.request.post('/api/reset').expect(200);
    expect(res.body.released_bytes).to.equal(100 * MB);
    expect(await leaked()).to.equal(0);
    const rss = await pollUntil('RSS to fall by 60 MB after reset', () => process.memoryUsage().rss, (r) => rssLeaking - r >= 60 * MB, { timeoutMs: 10_000 });
    expect(rssLeaking - rss).to.be.at.least(60 * MB);
  });

  it('also releases when only the leak is switched off with memory_leak_mb 0', async () => {
    await t.request.post('/api/failures').send({ memory_leak_mb: 1 }).expect(200);
    await t.request.get('/api/balance').expect(200);
    await t.request.post('/api/failures').send({ memory_leak_mb: 0 }).expect(200);
    expect(await leaked()).to.equal(0);
  });
});
