import http from 'node:http';
import { expect } from 'chai';
import { parseExposition, sampleSum } from '../../kit/exposition';
import { FaultClient, succeeded } from '../../kit/faults';
import { countStatus, runLoad, startLoad } from '../../kit/load';

/** An in-process server on 127.0.0.1:20003 that records what it received and answers by path. */
describe('the kit clients (load generator, fault API client, exposition parser)', () => {
  const PORT = 20003;
  const base = `http://127.0.0.1:${PORT}`;
  const received: { method: string; url: string; auth?: string; body: string }[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push({ method: req.method ?? '', url: req.url ?? '', auth: req.headers.authorization, body });
      res.writeHead(req.url?.startsWith('/missing') ? 404 : req.url === '/api/reset' ? 403 : 200, {
        'content-type': 'application/json',
      });
      res.end(JSON.stringify({ status: 'updated' }));
    });
  });
  before(() => new Promise<void>((resolve) => server.listen(PORT, '127.0.0.1', resolve)));
  after(() => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => (received.length = 0));

  it('sends load only to loopback', () => {
    expect(() => startLoad({ url: 'http://example.com', connections: 1, seconds: 1 })).to.throw(
      /only sent to loopback/,
    );
  });

  it('varies paths and bodies per request, counts statuses and stops at maxResponses', async () => {
    let n = 0;
    const r = await runLoad({
      url: base,
      requests: [{ method: 'POST', path: () => `/missing/${++n}`, body: () => ({ n }) }],
      connections: 2,
      seconds: 10,
      maxResponses: 30,
    });
    expect(countStatus(r, '404')).to.equal(r.responses);
    expect(r.responses).to.be.at.least(30);
    expect(r.seconds).to.be.below(5);
    const paths = new Set(received.map((x) => x.url));
    expect(paths.size, 'distinct paths').to.be.above(20);
    expect(received.every((x) => x.method === 'POST' && /^\{"n":\d+\}$/.test(x.body))).to.equal(true);
  });

  it('injects with the token and the expiry, and names the status of a refused call', async () => {
    const faults = new FaultClient(base, { token: 's3cret' });
    const answer = await faults.inject({ latency_ms: 5 }, 30);
    expect(succeeded(answer, 'POST /api/failures').status).to.equal('updated');
    expect(received[0]).to.deep.include({ url: '/api/failures', auth: 'Bearer s3cret' });
    expect(JSON.parse(received[0]?.body ?? '')).to.deep.equal({ latency_ms: 5, duration_s: 30 });
    expect(() => succeeded({ ok: false, status: 403, body: { error: 'no' } }, 'POST /api/reset')).to.throw(
      'POST /api/reset answered 403: {"error":"no"}',
    );
    expect((await faults.reset()).ok).to.equal(false);
  });

  it('parses the exposition format and sums samples by labels', () => {
    const samples = parseExposition(
      [
        '# HELP x_total a counter',
        '# TYPE x_total counter',
        'x_total{route="/a",status="200"} 3',
        'x_total{route="/b",status="500"} 2 1700000000000',
        'y 1.5e3',
      ].join('\n'),
    );
    expect(samples).to.have.length(3);
    expect(sampleSum(samples, 'x_total')).to.equal(5);
    expect(sampleSum(samples, 'x_total', { status: '500' })).to.equal(2);
    expect(sampleSum(samples, 'y')).to.equal(1500);
  });
});
