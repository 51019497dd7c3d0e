import net from 'node:net';
import { expect } from 'chai';
import { Client } from 'pg';
import { scanJson } from '../../app/http/body';
import { startApp, type TestApp } from '../support/app';
import { auditLedger } from '../support/ledger';
import { hostileCases, sendRaw, SQL_TEXT, STACK_TRACE, type RawResponse } from './hostile-inputs';

const TOKEN = 'hostile-suite-token-0123456789';
const LIMIT_KB = 16;
const AUTH = { Authorization: `Bearer ${TOKEN}` };

/** Everything a hostile request could have changed: every balance, the ledger size and the fault state. */
async function snapshot(t: TestApp) {
  const c = new Client({ connectionString: t.config.DATABASE_URL });
  await c.connect();
  try {
    const accounts = (await c.query('SELECT number, owner, currency, balance_cents FROM accounts ORDER BY number'))
      .rows;
    const ledger = await auditLedger(t.config.DATABASE_URL);
    const faults = (await t.request.get('/api/failures').set(AUTH).expect(200)).body;
    return { accounts, transactions: ledger.transactions, entries: ledger.entries, faults };
  } finally {
    await c.end();
  }
}

describe('hostile input', () => {
  let t: TestApp;
  let initial: Awaited<ReturnType<typeof snapshot>>;
  const cases = hostileCases(TOKEN, LIMIT_KB);
  let tried = 0;

  before(async () => {
    t = await startApp({ CHAOS_TOKEN: TOKEN, BODY_LIMIT_KB: String(LIMIT_KB) });
    // An active fault that no hostile request can reach: a reset or an update slipping through would show.
    await t.request
      .post('/api/failures')
      .set(AUTH)
      .send({ latency_ms: 5, routes: ['/api/never-called'] })
      .expect(200);
    initial = await snapshot(t);
  });
  after(async () => {
    console.log(`      hostile inputs tried: ${tried}`);
    await t?.stop();
  });

  describe('every endpoint answers a 4xx in the JSON error shape, without a stack trace or SQL', () => {
    for (const c of cases) {
      it(`${c.method} ${c.name}`, async () => {
        tried += 1;
        const res: RawResponse = await sendRaw(t.baseUrl, c);
        const where = `${c.method} ${c.path.slice(0, 80)} -> ${res.status} ${res.text.slice(0, 300)}`;
        expect(res.status, where).to.be.within(400, 499);
        if (c.status) expect(res.status, where).to.equal(c.status);
        expect(res.headers['content-type'], where).to.match(/^application\/json/);
        const body = JSON.parse(res.text) as { error?: { code?: unknown; message?: unknown; request_id?: unknown } };
        expect(body.error?.code, where)
          .to.be.a('string')
          .and.match(/^[A-Z_]+$/);
        expect(body.error?.message, where).to.be.a('string');
        expect(body.error?.request_id, where).to.be.a('string');
        if (c.code) expect(body.error?.code, where).to.equal(c.code);
        expect(res.text, where).to.not.match(STACK_TRACE);
        expect(res.text, where).to.not.match(SQL_TEXT);
      });
    }
  });

  describe('requests that Node rejects before Express sees them', () => {
    /** Writes raw bytes and reads until the server closes the connection. */
    const rawExchange = (bytes: string) =>
      new Promise<string>((resolve, reject) => {
        const url = new URL(t.baseUrl);
        const socket = net.connect(Number(url.port), url.hostname, () => socket.end(bytes));
        const chunks: Buffer[] = [];
        socket.setTimeout(10_000, () => socket.destroy(new Error('no answer within 10 s')));
        socket.on('data', (chunk: Buffer) => chunks.push(chunk));
        socket.on('close', () => resolve(Buffer.concat(chunks).toString()));
        socket.on('error', reject);
      });

    for (const [name, bytes, status] of [
      [
        'a header block above 16 KB',
        `GET /api/balance HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
        431,
      ],
      ['a malformed request line', 'GET /api/balance HTTP/9.9 junk\r\n\r\n', 400],
      ['a header with a NUL byte', 'GET /api/balance HTTP/1.1\r\nHost: x\r\nX-A: a\u0000b\r\n\r\n', 400],
      [
        'both Content-Length and chunked',
        'POST /api/transfers HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
        400,
      ],
    ] as const) {
      it(`answers ${status} to ${name}, with no stack, and keeps serving`, async () => {
        tried += 1;
        const answer = await rawExchange(bytes);
        expect(answer.split('\r\n')[0]).to.match(new RegExp(`^HTTP/1\\.1 ${status} `));
        expect(answer).to.not.match(STACK_TRACE);
        await t.request.get('/livez').expect(200);
      });
    }
  });

  describe('path traversal through the Swagger UI files under /docs', () => {
    // swagger-ui-express answers unknown /docs paths with its page (200): the point is that no file
    // outside its bundle comes back, and nothing fails.
    for (const path of [
      '/docs/..%2F..%2F..%2Fpackage.json',
      '/docs/%2e%2e/%2e%2e/%2e%2e/package.json',
      '/docs/..%2F..%2F..%2Finit.sql',
      '/docs/..%5C..%5C..%5Cinit.sql',
      '/docs/%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd',
      '/docs/....//....//....//etc/passwd',
      '/docs/%c0%ae%c0%ae/%c0%ae%c0%ae/package.json',
    ]) {
      it(`GET ${path} serves no file from outside the Swagger UI bundle`, async () => {
        tried += 1;
        const res = await sendRaw(t.baseUrl, { method: 'GET', path });
        expect(res.status).to.be.below(500);
        expect(res.text).to.not.include('fintech-chaos-workshop');
        expect(res.text).to.not.include('CREATE TABLE');
        expect(res.text).to.not.match(/root:.*:0:0:/);
        expect(res.text).to.not.match(STACK_TRACE);
      });
    }
  });

  describe('the raw-text checks of the body parser (app/http/body.ts)', () => {
    for (const [text, key] of [
      ['{"a":1,"a":2}', 'a'],
      ['{"a":1,"b":{"c":1,"c":2}}', 'c'],
      ['[{"a":1},{"a":2},{"x":[{"y":1,"y":1}]}]', 'y'],
      ['{"ab":1,"a\\u0062":2}', 'ab'],
      ['{"a\\"b":1,"a\\"b":2}', 'a"b'],
      ['{"__proto__":1,"__proto__":2}', '__proto__'],
    ] as const) {
      it(`finds "${key}" twice in ${text}`, () => {
        expect(scanJson(text).duplicateKey).to.equal(key);
      });
    }
    for (const text of [
      '{"a":1,"b":2}',
      '{"a":{"a":{"a":1}}}',
      '[{"a":1},{"a":2}]',
      '{"a":"a","b":["a","a"]}',
      '{"a":"\\"a\\":","b":"{\\"a\\":1,\\"a\\":2}"}',
      '{"a":[],"b":{},"c":[{}]}',
      `${'['.repeat(50_000)}${']'.repeat(50_000)}`,
      '"just a string"',
      '{"a":1,',
    ]) {
      it(`finds none in ${text.length > 60 ? `${text.slice(0, 20)}... (${text.length} characters)` : text}`, () => {
        expect(scanJson(text).duplicateKey).to.equal(undefined);
      });
    }
  });

  describe('the number-text check (app/http/body.ts)', () => {
    for (const [text, paths] of [
      ['{"amount":100.5000000000000001}', [['amount']]],
      ['{"amount":1e2,"b":[1,2.5,1E2],"c":{"d":-0.125}}', [['amount'], ['b', '2'], ['c', 'd']]],
      ['[{"a":1},{"a":"1e2","b":[[0.001]]}]', [['1', 'b', '0', '0']]],
      ['{"a":01}', [['a']]],
      ['{"a":1.}', [['a']]],
      ['{"k\\"e,y":1e0}', [['k"e,y']]],
    ] as const) {
      it(`finds inexact numbers at ${JSON.stringify(paths)} in ${text}`, () => {
        expect(scanJson(text).inexactNumbers).to.deep.equal(paths);
      });
    }
    for (const text of [
      '{"a":100.50,"b":-0,"c":0.01,"d":[1,2,{"e":999999999999.99}]}',
      '{"a":"1e3 in a string","b":"0.001"}',
      '{"e":true,"f":null}',
    ]) {
      it(`finds none in ${text}`, () => {
        expect(scanJson(text).inexactNumbers).to.deep.equal([]);
      });
    }
    it('lists at most 20 of them', () => {
      expect(scanJson(`[${Array.from({ length: 50 }, () => '1e1').join(',')}]`).inexactNumbers).to.have.length(20);
    });
  });

  describe('afterwards', () => {
    it('every balance, the ledger and the fault state are exactly as before', async () => {
      const now = await snapshot(t);
      expect(now.accounts).to.deep.equal(initial.accounts);
      expect(now.transactions).to.equal(initial.transactions);
      expect(now.entries).to.equal(initial.entries);
      expect(now.faults.current_config).to.deep.equal(initial.faults.current_config);
      expect(now.faults.faults).to.deep.equal(initial.faults.faults);
      expect(now.faults.current_config.latency_ms).to.equal(5);
    });
  });
});
