import { expect } from 'chai';
import { startApp, type TestApp } from '../support/app';
import { timed } from '../../kit/wait';

const TOKEN = 'workshop-secret-token-123';

describe('fault endpoint safety', () => {
  describe('with CHAOS_TOKEN set', () => {
    let t: TestApp;
    before(async () => {
      t = await startApp({ CHAOS_TOKEN: TOKEN });
    });
    after(async () => t?.stop());

    for (const [method, path] of [
      ['get', '/api/failures'],
      ['post', '/api/failures'],
      ['post', '/api/reset'],
    ] as const) {
      it(`${method.toUpperCase()} ${path} answers 401 without a token and 403 with a wrong one`, async () => {
        const missing = await t.request[method](path).send({}).expect(401);
        expect(missing.body.error.code).to.equal('UNAUTHORIZED');
        expect(missing.headers['www-authenticate']).to.equal('Bearer');
        const wrong = await t.request[method](path).set('Authorization', 'Bearer nope').send({}).expect(403);
        expect(wrong.body.error.code).to.equal('FORBIDDEN');
      });
    }

    it('accepts the right token and changes nothing for a rejected one', async () => {
      await t.request.post('/api/failures').set('Authorization', 'Bearer wrong').send({ latency_ms: 500 }).expect(403);
      await t.request.post('/api/failures').set('Authorization', `Bearer ${TOKEN}`).send({ error_rate: 1 }).expect(200);
      const res = await t.request.get('/api/failures').set('Authorization', `Bearer ${TOKEN}`).expect(200);
      expect(res.body.current_config).to.include({ latency_ms: 0, error_rate: 1 });
    });
  });

  describe('requests from a web page on another origin', () => {
    let t: TestApp;
    before(async () => {
      t = await startApp({ CORS_ORIGINS: 'http://trainer.example' });
    });
    after(async () => t?.stop());

    it('refuses a body-less cross-origin POST /api/reset and a cross-origin GET with 403', async () => {
      await t.request.post('/api/failures').send({ latency_ms: 5 }).expect(200);
      const res = await t.request.post('/api/reset').set('Origin', 'https://evil.example').expect(403);
      expect(res.body.error.code).to.equal('FORBIDDEN');
      await t.request.get('/api/failures').set('Origin', 'https://evil.example').expect(403);
      expect((await t.request.get('/api/failures').expect(200)).body.current_config.latency_ms).to.equal(5);
    });

    it('accepts calls without Origin (curl), from a listed origin, and from the same origin', async () => {
      await t.request.post('/api/reset').expect(200);
      await t.request.post('/api/reset').set('Origin', 'http://trainer.example').expect(200);
      await t.request.post('/api/reset').set('Origin', t.baseUrl).expect(200);
    });
  });

  describe('with CHAOS_ENABLED=false', () => {
    let t: TestApp;
    before(async () => {
      t = await startApp({ CHAOS_ENABLED: 'false' });
    });
    after(async () => t?.stop());

    it('refuses to inject with 403 CHAOS_DISABLED and says so on GET', async () => {
      const res = await t.request.post('/api/failures').send({ latency_ms: 1000 }).expect(403);
      expect(res.body.error.code).to.equal('CHAOS_DISABLED');
      await t.request.post('/api/reset').expect(403);
      const state = await t.request.get('/api/failures').expect(200);
      expect(state.body.enabled).to.equal(false);
      expect(state.body.current_config.latency_ms).to.equal(0);
      expect((await timed(() => t.request.get('/api/balance').expect(200))).ms).to.be.below(1000);
    });
  });

  describe('body limits', () => {
    let t: TestApp;
    before(async () => {
      t = await startApp({ BODY_LIMIT_KB: '1' });
    });
    after(async () => t?.stop());

    it('answers 413 for a body above BODY_LIMIT_KB and keeps the faults', async () => {
      const res = await t.request
        .post('/api/failures')
        .send({ latency_ms: 10, routes: Array(20).fill(`/${'a'.repeat(99)}`) })
        .expect(413);
      expect(res.body.error.code).to.equal('PAYLOAD_TOO_LARGE');
      expect((await t.request.get('/api/failures')).body.current_config.latency_ms).to.equal(0);
    });
  });
});
