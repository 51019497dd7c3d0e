import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import { migrateIfNeeded } from '../../app/db/migrate';
import { startApp, type TestApp } from '../support/app';
import { createDatabase, startEmbeddedPostgres, type TestPostgres } from '../support/postgres';

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

    it('GET /healthz reports each check with its own status and overall healthy', async () => {
      const res = await t.request.get('/healthz').expect(200);
      expect(res.body.status).to.be.oneOf(['healthy', 'degraded']);
      expect(res.body.checks).to.have.keys('database', 'event_loop', 'memory', 'disk', 'uptime');
      expect(res.body.checks.database.status).to.equal('ok');
      expect(res.body.checks.database.latency_ms).to.be.a('number');
      expect(res.body.checks.memory.rss_bytes).to.be.greaterThan(0);
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
      t = await startApp({ DB_CONNECT_TIMEOUT_MS: '1000' }, { databaseUrl: await createDatabase(pg.adminUrl, 'fintech') });
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
      const deadline = Date.now() + 10_000;
      let status = 0;
      while (Date.now() < deadline && status !== 200) {
        status = (await t.request.get('/api/balance')).status;
        if (status !== 200) await sleep(100);
      }
      expect(status).to.equal(200);
      await t.request.get('/health').expect(200);
    });
  });
});
