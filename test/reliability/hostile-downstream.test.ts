import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { startApp, type TestApp } from '../support/app';
import { auditLedger } from '../support/ledger';

/**
 * A risk service that misbehaves on purpose: the real one cannot be made to send these answers. Each mode is
 * one way a downstream can answer badly; the API must map each to a clear code, never a 500, and move nothing.
 */
type Mode = 'garbage' | 'not-a-decision' | 'partial' | 'wrong-type' | 'endless' | 'closed-socket' | 'teapot';
const VALID = JSON.stringify({
  decision_id: '5b0f8a8e-8f5c-4a57-9a3c-1f0e0a8e1a11',
  decision: 'approve',
  reason: 'within_limit',
  score: 1,
  replayed: false,
});
const MODES: Record<Mode, (res: http.ServerResponse) => void> = {
  garbage: (res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"decision": appr\u0000<<<'),
  'not-a-decision': (res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"decision":"maybe"}'),
  partial: (res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(VALID.length) });
    res.write(VALID.slice(0, 20));
    setTimeout(() => res.destroy(), 20);
  },
  'wrong-type': (res) => res.writeHead(200, { 'content-type': 'text/html' }).end(VALID),
  endless: (res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    const chunk = Buffer.alloc(4096, 0x20);
    const timer = setInterval(() => res.write(chunk), 1);
    res.on('close', () => clearInterval(timer));
  },
  'closed-socket': (res) => res.socket?.destroy(),
  teapot: (res) => res.writeHead(418, { 'content-type': 'application/json' }).end('{}'),
};
const EXPECTED: Record<Mode, { status: number; code: string }> = {
  garbage: { status: 502, code: 'DEPENDENCY_BAD_RESPONSE' },
  'not-a-decision': { status: 502, code: 'DEPENDENCY_BAD_RESPONSE' },
  partial: { status: 502, code: 'DEPENDENCY_BAD_RESPONSE' },
  'wrong-type': { status: 502, code: 'DEPENDENCY_BAD_RESPONSE' },
  endless: { status: 502, code: 'DEPENDENCY_BAD_RESPONSE' },
  'closed-socket': { status: 503, code: 'DEPENDENCY_UNAVAILABLE' },
  teapot: { status: 502, code: 'DEPENDENCY_BAD_RESPONSE' },
};

describe('hostile downstream: the risk service answering badly', () => {
  let mode: Mode = 'garbage';
  let stub: http.Server;
  let t: TestApp;
  before(async () => {
    stub = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => MODES[mode](res));
    });
    await new Promise<void>((resolve) => stub.listen(0, '127.0.0.1', resolve));
    t = await startApp({ RISK_URL: `http://127.0.0.1:${(stub.address() as AddressInfo).port}` });
    // One attempt each and no breaker: every case reaches the stub and is judged on its own.
    await t.request.post('/api/policies').send({ retry_max_attempts: 1, breaker_enabled: false }).expect(200);
  });
  after(async () => {
    await t?.stop();
    stub?.closeAllConnections();
    await new Promise<void>((resolve) => stub?.close(() => resolve()));
  });

  for (const m of Object.keys(MODES) as Mode[]) {
    it(`${m}: answers ${EXPECTED[m].status} ${EXPECTED[m].code} and moves nothing`, async () => {
      mode = m;
      const before = await auditLedger(t.config.DATABASE_URL);
      const res = await t.request
        .post('/api/transfers')
        .set('Idempotency-Key', `hostile-${m}`)
        .send({ from_account: 'ACC-001', to_account: 'ACC-002', amount: '1.00' });
      expect(res.status, JSON.stringify(res.body)).to.equal(EXPECTED[m].status);
      expect(res.body.error.code).to.equal(EXPECTED[m].code);
      const after = await auditLedger(t.config.DATABASE_URL);
      expect(after).to.deep.equal(before);
    });
  }

  it('keeps answering normally afterwards (no socket or memory left behind by the endless stream)', async () => {
    mode = 'wrong-type';
    await t.request.get('/api/balance').expect(200);
    const metrics = (await t.request.get('/metrics')).text;
    expect(metrics).to.not.match(/fintech_errors_total\{code="INTERNAL"/);
  });
});
