import { expect } from 'chai';
import { startApp, adminUrl, type TestApp } from '../support/app';
import { waitUntil } from '../../kit/wait';
import { freshDatabase } from '../../kit/postgres';
import { freePort } from '../../kit/ports';
import { findLeaks } from '../gameday/leaks';
import type { Incident } from '../../gameday/incidents';

const SHARED = { FAULT_STORE: 'postgres', FAULT_STORE_REFRESH_MS: '200' };

describe('shared fault store (FAULT_STORE=postgres), two replicas in one process', () => {
  let a: TestApp;
  let b: TestApp;
  before(async () => {
    const databaseUrl = await freshDatabase(adminUrl());
    a = await startApp({ ...SHARED, INSTANCE_ID: 'api-a' }, { databaseUrl });
    b = await startApp({ ...SHARED, INSTANCE_ID: 'api-b' }, { databaseUrl });
    // Both replicas have reported themselves: each is a valid target.
    await waitUntil(
      'both replicas to be listed',
      async () => ((await a.request.get('/api/failures')).body as Failures).store.replicas.length,
      { until: (n) => n === 2, timeoutMs: 10_000, intervalMs: 100 },
    );
  });
  after(async () => {
    await a?.stop();
    await b?.stop();
  });
  afterEach(async () => {
    await a.request.post('/api/reset').expect(200);
  });

  interface Failures {
    version: number;
    instance_id: string;
    current_config: Record<string, unknown>;
    faults: Record<string, { active: boolean; expires_at?: string; instances?: string[] }>;
    store: { kind: string; stale_seconds: number; replicas: { instance_id: string; applied_version: number }[] };
  }
  const failures = async (t: TestApp) => (await t.request.get('/api/failures').expect(200)).body as Failures;
  const applied = (t: TestApp, version: number) =>
    waitUntil(`${t.config.INSTANCE_ID} to apply version ${version}`, () => failures(t), {
      until: (f) => f.version >= version,
      timeoutMs: 2_000,
      intervalMs: 20,
    });

  it('keeps both of two concurrent updates of different keys, each with a higher version', async () => {
    const [one, two] = await Promise.all([
      a.request.post('/api/failures').send({ latency_ms: 300 }).expect(200),
      b.request.post('/api/failures').send({ error_rate: 7 }).expect(200),
    ]);
    const versions = [one, two].map((r) => (r.body as { version: number }).version);
    expect(new Set(versions).size, 'distinct versions').to.equal(versions.length);
    const seen = await applied(b, Math.max(...versions));
    expect(seen.current_config).to.include({ latency_ms: 300, error_rate: 7 });
    expect((await applied(a, seen.version)).current_config).to.include({ latency_ms: 300, error_rate: 7 });
  });

  it('sets start and expiry from the database clock: both replicas show the same expires_at', async () => {
    await a.request.post('/api/failures').send({ latency_ms: 50, duration_s: 60 }).expect(200);
    const fromA = await failures(a);
    const fromB = await applied(b, fromA.version);
    expect(fromB.faults.latency?.expires_at).to.be.a('string').and.equal(fromA.faults.latency?.expires_at);
  });

  it('applies a fault that targets one replica on that replica only, and names its targets', async () => {
    const res = await a.request
      .post('/api/failures')
      .send({ error_rate: 100, instances: ['api-b'] })
      .expect(200);
    const onB = await applied(b, (res.body as { version: number }).version);
    expect(onB.faults.error_rate)
      .to.include({ active: true })
      .and.deep.include({ instances: ['api-b'] });
    expect((await failures(a)).faults.error_rate?.active, 'on api-a').to.equal(false);
    await a.request.get('/api/balance').expect(200);
    const hit = await b.request.get('/api/balance');
    expect(hit.status).to.equal(500);
    expect(hit.headers['x-instance-id']).to.equal('api-b');
  });

  it('names the replica in the X-Instance-Id header, GET /api/failures and the instance_id label of every metric', async () => {
    const res = await b.request.get('/api/failures').expect(200);
    expect(res.headers['x-instance-id']).to.equal('api-b');
    expect((res.body as Failures).instance_id).to.equal('api-b');
    const samples = (await b.request.get('/metrics').expect(200)).text
      .split('\n')
      .filter((l) => l && !l.startsWith('#'));
    expect(samples).to.not.deep.equal([]);
    expect(samples.filter((l) => !l.includes('instance_id="api-b"'))).to.deep.equal([]);
  });

  it('releases the memory one replica leaked when the reset is made through another', async () => {
    const res = await a.request
      .post('/api/failures')
      .send({ memory_leak_mb: 1, instances: ['api-b'] })
      .expect(200);
    await applied(b, (res.body as { version: number }).version);
    await b.request.get('/api/balance').expect(200);
    expect(b.faults.summary().leaked_bytes, 'leaked on api-b').to.equal(1024 * 1024);
    expect(a.faults.summary().leaked_bytes, 'nothing on api-a').to.equal(0);
    const reset = await a.request.post('/api/reset').expect(200);
    await applied(b, (reset.body as { version: number }).version);
    expect(b.faults.summary().leaked_bytes, 'released on api-b').to.equal(0);
  });

  it('keeps a hidden fault that targets another replica hidden there too, while it acts there', async () => {
    const incident: Incident = {
      id: 'bad-replica',
      story: 'One replica in two fails.',
      family: 'error_rate',
      scope: 'all',
      stages: [{ after_s: 0, faults: { error_rate: 100 } }],
      signals: [],
    };
    const seen = async () => {
      const answers = await Promise.all(
        ['/api/failures', '/api/balance'].map(async (p) => {
          const r = await b.request.get(p);
          return { path: p, status: r.status, headers: r.headers, body: r.text };
        }),
      );
      return { answers, metrics: (await b.request.get('/metrics')).text, logLines: [] };
    };
    const baseline = (await seen()).metrics;
    await a.request
      .post('/api/failures')
      .send({ error_rate: 100, instances: ['api-b'], hidden: true, duration_s: 30 })
      .expect(200, { status: 'updated', hidden: true });
    await waitUntil('api-b to apply the hidden state', () => b.request.get('/api/failures'), {
      until: (r) => (r.body as { hidden?: boolean }).hidden === true,
      timeoutMs: 2_000,
      intervalMs: 20,
    });
    const during = await seen();
    expect(during.answers[1]?.status, 'api-b fails').to.equal(500);
    await a.request.get('/api/balance').expect(200);
    expect(findLeaks(incident, during, baseline)).to.deep.equal([]);
    // The same look without masking names the fault, so the check above can fail.
    await a.request.post('/api/failures').send({ hidden: false }).expect(200);
    await waitUntil('api-b to unmask', () => b.request.get('/api/failures'), {
      until: (r) => (r.body as { hidden?: boolean }).hidden === undefined,
      timeoutMs: 2_000,
      intervalMs: 20,
    });
    expect(findLeaks(incident, await seen(), baseline)).to.not.deep.equal([]);
  });

  it('masks every replica for a mask without faults (a game round), and unmasks them all when its time is up', async () => {
    await a.request
      .post('/api/failures')
      .send({ hidden: true, duration_s: 2 })
      .expect(200, { status: 'updated', hidden: true });
    const masked = (t: TestApp) => t.request.get('/api/failures').then((r) => (r.body as { hidden?: boolean }).hidden);
    await waitUntil('api-b to apply the mask', () => masked(b), { until: (h) => h === true, timeoutMs: 5000 });
    await waitUntil('the mask to expire on both', () => Promise.all([masked(a), masked(b)]), {
      timeoutMs: 6000,
      until: (both) => both.every((h) => h === undefined),
    });
  });

  it('rejects unknown replica ids with a 400 that lists each one, and changes nothing', async () => {
    const before = await failures(a);
    const res = await a.request
      .post('/api/failures')
      .send({ latency_ms: 100, instances: ['api-a', 'api-9', 'ghost'] })
      .expect(400);
    const problems = (res.body as { error: { details: { problems: { path: string; message: string }[] } } }).error
      .details.problems;
    expect(problems.map((p) => p.path)).to.deep.equal(['body.instances.1', 'body.instances.2']);
    expect(problems[0]?.message).to.contain('api-9');
    expect((await failures(a)).version).to.equal(before.version);
  });

  it('keeps the control plane working while db_fail fails every business query', async () => {
    await a.request.post('/api/failures').send({ db_fail: true }).expect(200);
    await a.request.get('/api/balance').expect(503);
    const res = await b.request.post('/api/failures').send({ latency_ms: 20 }).expect(200);
    expect((await applied(a, (res.body as { version: number }).version)).current_config).to.include({
      db_fail: true,
      latency_ms: 20,
    });
    await b.request.post('/api/reset').expect(200);
  });

  it('answers 503 FAULT_STORE_UNAVAILABLE when it cannot persist, and reports its copy as stale', async () => {
    const port = await freePort();
    const lost = await startApp(
      { ...SHARED, INSTANCE_ID: 'api-lost', DATABASE_URL: `postgres://postgres:postgres@127.0.0.1:${port}/none` },
      { databaseUrl: `postgres://postgres:postgres@127.0.0.1:${port}/none` },
    );
    try {
      const res = await lost.request.post('/api/failures').send({ latency_ms: 100 }).expect(503);
      expect((res.body as { error: { code: string } }).error.code).to.equal('FAULT_STORE_UNAVAILABLE');
      await lost.request.post('/api/reset').expect(503);
      const view = await failures(lost);
      expect(view.current_config).to.include({ latency_ms: 0 });
      expect(view.store.stale_seconds).to.be.greaterThan(0);
    } finally {
      await lost.stop();
    }
  });
});
