import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import type { LoadResponse } from '../../kit/load';
import type { ClientLatencyProbe, HttpProbe, ProbeContext } from '../../scenarios/lib/probes';
import { AlertmanagerClient, PrometheusClient } from '../../kit/prometheus';
import { PhaseVerdicts } from '../../scenarios/lib/verdicts';

describe('scenario verdicts (PhaseVerdicts)', () => {
  let server: http.Server;
  let statuses: number[] = [];
  let ctx: ProbeContext;
  let responses: LoadResponse[] = [];

  before(async () => {
    // A real HTTP server answering the scripted statuses in order, for the level probe.
    server = http.createServer((_req, res) => {
      res.statusCode = statuses.shift() ?? 200;
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    ctx = {
      apiUrl,
      // Not reached by these probes (http and client-latency).
      prometheus: new PrometheusClient('http://127.0.0.1:1'),
      alertmanager: new AlertmanagerClient('http://127.0.0.1:1'),
      responses: (from, to) => responses.filter((r) => r.at >= from && r.at <= to),
    };
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const level: HttpProbe = { kind: 'http', name: 'answers 200', path: '/', status: 200, maxMs: 2000 };
  const latency = (minCount: number): ClientLatencyProbe => ({
    kind: 'client-latency',
    name: 'clients wait 1000 ms',
    targetMs: 1000,
    minCount,
  });
  const answers = (ms: number[], at = Date.now() - 1000) => ms.map((x) => ({ at, status: 200, ms: x }));
  const open = () => ({ fromMs: Date.now() - 5000, closesAtMs: Date.now() - 1 });

  it('holds a level probe only after it passed on the given number of polls in a row', async () => {
    statuses = [200, 200, 500, 200, 200, 200];
    const verdicts = new PhaseVerdicts([level], 3, open());
    const held: boolean[] = [];
    for (let i = 0; i < 6; i++) {
      await verdicts.poll(ctx, 0, false, i);
      held.push(verdicts.allHeld);
    }
    expect(held).to.deep.equal([false, false, false, false, false, true]);
    expect(verdicts.results()[0]?.heldAt).to.equal(5);
  });

  it('judges a window probe once, when its window has closed, and never again', async () => {
    responses = answers([1000, 1004, 1010]);
    const verdicts = new PhaseVerdicts([latency(3)], 1, { fromMs: Date.now() - 5000, closesAtMs: Date.now() + 60_000 });
    expect(await verdicts.poll(ctx, 0, false, 0), 'before the window closed').to.deep.equal([]);
    const closed = new PhaseVerdicts([latency(3)], 1, open());
    const [first] = await closed.poll(ctx, 0, false, 1);
    expect(first?.ok).to.equal(true);
    expect(first?.value).to.equal('median 1004 ms of 3 answers');
    responses = answers([5, 5, 5, 5, 5, 5, 5]);
    expect(await closed.poll(ctx, 0, false, 2), 'a second judgement').to.deep.equal([]);
    expect(closed.allHeld).to.equal(true);
  });

  it('fails a median outside 5% or 10 ms of the injected delay, and the phase is lost', async () => {
    responses = answers([1060, 1060, 1060]);
    const verdicts = new PhaseVerdicts([latency(3), level], 3, open());
    statuses = [200];
    const settled = await verdicts.poll(ctx, 0, false, 0);
    expect(settled.map((o) => [o.name, o.ok])).to.deep.equal([['clients wait 1000 ms', false]]);
    expect(verdicts.lost).to.equal(true);
    expect(verdicts.allHeld).to.equal(false);
  });

  it('keeps the window open until it has its minimum count, and judges with what it has at the deadline', async () => {
    responses = answers([1000, 1000]);
    const verdicts = new PhaseVerdicts([latency(3)], 1, open());
    expect(await verdicts.poll(ctx, 0, false, 0), 'n below the minimum').to.deep.equal([]);
    const [atDeadline] = await verdicts.poll(ctx, 0, true, 1);
    expect(atDeadline?.ok).to.equal(false);
    expect(atDeadline?.expected).to.equal('1000 ± 50 ms (n >= 3)');
  });
});
