import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { CLIENT_IDLE_SOCKET_MS, SERVER_KEEP_ALIVE_MS } from '../../app/keep-alive';
import { postDecision, riskAgent } from '../../app/risk/transport';
import { waitUntil } from '../../kit/wait';

/**
 * A pooled connection that the server closes just as the client writes on it fails that call with
 * ECONNRESET (seen once in the docs suite). So the client drops an idle connection before the server does.
 */
describe("the risk client's connection pool", function () {
  this.timeout(20_000);
  /** Per connection the server saw closed: whether the client ended it, and how long after its last answer. */
  const closes: { byClient: boolean; idleMs: number }[] = [];
  let server: http.Server;
  let base: URL;

  before(async () => {
    // answers after amount_cents milliseconds, so a test can ask for a slow answer
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const { amount_cents } = JSON.parse(body) as { amount_cents: number };
        setTimeout(() => {
          res.setHeader('content-type', 'application/json');
          res.end(
            JSON.stringify({ decision_id: randomUUID(), decision: 'approve', reason: 'ok', score: 1, replayed: false }),
          );
          const answered = Date.now();
          let byClient = false;
          req.socket.once('end', () => (byClient = true));
          req.socket.once('close', () => closes.push({ byClient, idleMs: Date.now() - answered }));
        }, amount_cents);
      });
    });
    server.keepAliveTimeout = SERVER_KEEP_ALIVE_MS;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  });

  after(() => server.close());

  it('closes an idle connection itself before the server would, yet lets a slower answer finish', async () => {
    const agent = riskAgent();
    const call = (delayMs: number) =>
      postDecision(
        agent,
        base,
        { from_account: 'a', to_account: 'b', amount_cents: delayMs },
        undefined,
        new AbortController().signal,
      );
    const started = Date.now();
    // one quick answer, then one slower than the idle timeout: that timeout must not cut an attempt short
    const [quick, slow] = await Promise.all([call(0), call(CLIENT_IDLE_SOCKET_MS + 300)]);
    expect([quick.decision, slow.decision]).to.deep.equal(['approve', 'approve']);
    expect(Date.now() - started).to.be.at.least(CLIENT_IDLE_SOCKET_MS + 300);
    await waitUntil('both connections closed', () => closes.length === 2, { timeoutMs: SERVER_KEEP_ALIVE_MS + 2_000 });
    for (const c of closes) {
      expect(c.byClient, 'closed by the client').to.equal(true);
      expect(c.idleMs, 'idle before the close').to.be.below(SERVER_KEEP_ALIVE_MS);
    }
    agent.destroy();
  });
});
