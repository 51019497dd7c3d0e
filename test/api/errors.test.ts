import { expect } from 'chai';
import { Client } from 'pg';
import { startApp, type TestApp } from '../support/app';
import { memoryLogger } from '../support/memory-logger';

describe('error responses', () => {
  let t: TestApp;
  let log: ReturnType<typeof memoryLogger>;
  before(async () => {
    log = memoryLogger();
    t = await startApp({ CHAOS_TOKEN: 'a-very-secret-token-42' }, { logger: log.logger });
  });
  after(async () => t?.stop());

  it('answers an unknown path with 404 in the JSON error shape', async () => {
    const res = await t.request.get('/nope').expect(404);
    expect(res.body.error).to.include({ code: 'NOT_FOUND' });
    expect(res.body.error.request_id).to.be.a('string');
  });

  it('answers invalid JSON with 400 INVALID_JSON', async () => {
    const res = await t.request
      .post('/api/transfers')
      .set('Content-Type', 'application/json')
      .send('{"amount": 1,')
      .expect(400);
    expect(res.body.error.code).to.equal('INVALID_JSON');
  });

  it('answers a non-JSON body with 415', async () => {
    const res = await t.request.post('/api/transfers').set('Content-Type', 'text/plain').send('amount=1').expect(415);
    expect(res.body.error.code).to.equal('UNSUPPORTED_MEDIA_TYPE');
  });

  it('answers an unexpected failure with a logged 500 that leaks no stack or SQL', async () => {
    const c = new Client({ connectionString: t.config.DATABASE_URL });
    await c.connect();
    await c.query('ALTER TABLE transactions RENAME TO transactions_gone');
    try {
      const res = await t.request.get('/api/transactions').expect(500);
      expect(res.body).to.deep.equal({
        error: {
          code: 'INTERNAL',
          message: 'Internal server error.',
          request_id: res.body.error.request_id,
          trace_id: res.body.error.trace_id,
        },
      });
      expect(res.body.error.trace_id).to.match(/^[0-9a-f]{32}$/);
      expect(res.text).to.not.match(/SELECT|relation|at \w+ \(/);
      const logged = log.lines.find(
        (l) => l.message === 'unhandled error' && l.request_id === res.body.error.request_id,
      );
      const err = logged?.err as { message?: string; stack?: string } | undefined;
      expect(err?.message).to.equal('relation "transactions" does not exist');
      expect(err?.stack).to.match(/\n\s+at /);
    } finally {
      await c.query('ALTER TABLE transactions_gone RENAME TO transactions');
      await c.end();
    }
  });

  it('never writes the bearer token or the database password into the logs', async () => {
    await t.request
      .post('/api/failures')
      .set('Authorization', 'Bearer a-very-secret-token-42')
      .send({ latency_ms: 1 })
      .expect(200);
    await t.request.post('/api/reset').set('Authorization', 'Bearer a-very-secret-token-42').expect(200);
    const all = JSON.stringify(log.lines);
    expect(all).to.not.include('a-very-secret-token-42');
    expect(all).to.not.include('postgres:postgres@');
    expect(
      log.lines.some((l) => l.message === 'faults updated' && (l.change as { latency_ms?: number })?.latency_ms === 1),
    ).to.equal(true);
  });

  it('sets security headers and keeps CORS closed by default', async () => {
    const res = await t.request.get('/api/balance').set('Origin', 'https://evil.example').expect(200);
    expect(res.headers['x-content-type-options']).to.equal('nosniff');
    expect(res.headers['content-security-policy']).to.be.a('string');
    expect(res.headers['x-powered-by']).to.equal(undefined);
    expect(res.headers['access-control-allow-origin']).to.equal(undefined);
  });

  it('serves the OpenAPI document built from the validation schemas, and Swagger UI at /docs', async () => {
    const doc = (await t.request.get('/openapi.json').expect(200)).body;
    expect(doc.openapi).to.equal('3.1.0');
    const transfer = doc.paths['/api/transfers'].post;
    expect(
      transfer.requestBody.content['application/json'].schema.$ref ??
        transfer.requestBody.content['application/json'].schema.required,
    ).to.not.be.oneOf([null, undefined]);
    expect(doc.components.schemas.TransferRequest.required).to.have.members(['from_account', 'to_account', 'amount']);
    expect(doc.paths['/api/failures'].post.requestBody.content['application/json'].schema.$ref).to.equal(
      '#/components/schemas/FaultUpdate',
    );
    const ui = await t.request.get('/docs/').expect(200);
    expect(ui.text).to.include('swagger-ui');
  });
});
