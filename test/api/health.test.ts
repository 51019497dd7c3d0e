import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { Database } from '../../app/db/database';
import { migrateIfNeeded } from '../../app/db/migrate';
import { HealthChecks } from '../../app/health/checks';
import { createNoopMetrics } from '../../app/telemetry/metrics';
import { startApp, type TestApp } from '../support/app';
import { waitUntil } from '../../kit/wait';
import { createDatabase, startEmbeddedPostgres, type TestPostgres } from '../../kit/postgres';

describe('health', () => {
  describe('with the database up', () => {
    let t: TestApp;
    before(async () => {
      t = await startApp();
    });
    after(async () => t?.stop());

    it('GET /health answers 200 healthy with the database connected', async () => {
      const res = await t.request.get('/health').expect(200);
      expect(res.body).to.include({ status: 'healthy', database: 'connected' });
    });

    it("GET /healthz answers 200 with each check's status: healthy when every check is ok, else degraded", async () => {
      const res = await t.request.get('/healthz').expect(200);
      expect(res.body.checks).to.have.keys('database', 'event_loop', 'memory', 'disk', 'uptime');
      // The event loop and disk checks measure this machine, so either answer can be right; which one is not free.
      const checks = Object.values(res.body.checks as Record<string, { status: string }>);
      expect(res.body.status).to.equal(checks.every((c) => c.status === 'ok') ? 'healthy' : 'degraded');
      expect(res.body.checks.database.status).to.equal('ok');
      expect(res.body.checks.database.latency_ms).to.be.a('number');
      expect(res.body.checks.memory.rss_bytes).to.be.greaterThan(0);
    });

    it('reports degraded, not unhealthy, when a check other than the database is off (here: a disk it cannot read)', async () => {
      const checks = new HealthChecks(
        new Database(t.pool, createNoopMetrics()),
        path.join(os.tmpdir(), 'fintech-no-such-dir', 'x'),
      );
      try {
        const report = await checks.all();
        expect(report.checks.database?.status).to.equal('ok');
        expect(report.checks.disk).to.deep.equal({ status: 'degraded', error: 'statfs failed' });
        expect(report.status).to.equal('degraded');
      } finally {
        checks.stop();
      }
    });

    it('GET /livez answers alive', async () => {
      const res = await t.request.get('/livez').expect(200);
      expect(res.body.status).to.equal('alive');
    });

    it('GET / lists the service, version and endpoints', async () => {
      const res = await t.request.get('/').expect(200);
      expect(res.body.service).to.equal('fintech-api');
      expect(res.body.endpoints).to.include.members(['GET /api/balance', 'POST /api/failures']);
    });
  });

  describe('with the database stopped and started again', () => {
    let pg: TestPostgres;
    let t: TestApp;
    before(async () => {
      pg = await startEmbeddedPostgres();
      t = await startApp(
        { DB_CONNECT_TIMEOUT_MS: '1000' },
        { databaseUrl: await createDatabase(pg.adminUrl, 'fintech') },
      );
      await migrateIfNeeded(t.pool);
      await t.request.get('/api/balance').expect(200);
      await pg.stop();
    });
    after(async () => {
      await t?.stop();
      await pg?.dispose();
    });

    it('GET /health answers 503 unhealthy quickly', async () => {
      const started = Date.now();
      const res = await t.request.get('/health').expect(503);
      expect(res.body).to.include({ status: 'unhealthy', database: 'unreachable' });
      expect(Date.now() - started).to.be.below(3000);
    });

    it('GET /healthz answers 503 with the database check failed', async () => {
      const res = await t.request.get('/healthz').expect(503);
      expect(res.body.status).to.equal('unhealthy');
      expect(res.body.checks.database).to.deep.equal({ status: 'failed', error: 'DATABASE_UNAVAILABLE' });
    });

    it('database routes answer 503 DATABASE_UNAVAILABLE, /livez still 200', async () => {
      const res = await t.request.get('/api/balance').expect(503);
      expect(res.body.error.code).to.equal('DATABASE_UNAVAILABLE');
      expect(res.headers['retry-after']).to.equal('1');
      await t.request.get('/livez').expect(200);
    });

    it('recovers by itself once the database is back', async () => {
      await pg.start();
      const status = await waitUntil(
        'GET /api/balance to answer 200',
        async () => (await t.request.get('/api/balance')).status,
        {
          until: (s) => s === 200,
          timeoutMs: 10_000,
          intervalMs: 100,
        },
      );
      expect(status).to.equal(200);
      await t.request.get('/health').expect(200);
    });
  });
});
