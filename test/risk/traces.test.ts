import { expect } from 'chai';
import { adminUrl } from '../support/app';
import { OTLP, startOtlpReceiver, type ExportedSpan } from '../support/otlp-receiver';
import { waitUntil } from '../../kit/wait';
import { freshDatabase } from '../../kit/postgres';
import { spawnServer, type ServerProcess } from '../support/server-process';

/** Both services as real processes exporting spans to one OTLP receiver (the stand-in for Jaeger). */
describe('one trace across the API and the risk service', () => {
  let api: ServerProcess;
  let risk: ServerProcess;
  let otlp: Awaited<ReturnType<typeof startOtlpReceiver>>;
  before(async function () {
    this.timeout(60_000);
    otlp = await startOtlpReceiver();
    // The batch span processor exports after 0.2 s instead of 5 s: the test waits less.
    const exporting = { OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url, OTEL_BSP_SCHEDULE_DELAY: '200' };
    const database = await freshDatabase(adminUrl());
    risk = await spawnServer({ DATABASE_URL: database, ...exporting }, { entry: 'risk/server.ts' });
    api = await spawnServer({ DATABASE_URL: database, ...exporting, RISK_URL: risk.baseUrl });
  });
  after(async () => {
    await api?.kill('SIGKILL');
    await risk?.kill('SIGKILL');
    await otlp?.close();
  });

  it('propagates W3C trace context: API -> risk service -> both databases in one trace, one trace id in both logs', async () => {
    const res = await fetch(`${api.baseUrl}/api/transfers`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'Idempotency-Key': 'trace-1', 'X-Request-Id': 'trace-req-1' },
      body: JSON.stringify({ from_account: 'ACC-001', to_account: 'ACC-002', amount: '1.00' }),
    });
    expect(res.status).to.equal(201);
    const apiLine = await waitUntil(
      "the API's request log line",
      () => api.logs().find((l) => l.request_id === 'trace-req-1'),
      { until: (l) => l !== undefined, timeoutMs: 10_000 },
    );
    const traceId = apiLine?.trace_id as string;
    expect(traceId).to.match(/^[0-9a-f]{32}$/);
    const riskLine = await waitUntil(
      "the risk service's request log line with the same trace id",
      () => risk.logs().find((l) => l.message === 'request' && l.route === '/api/decisions'),
      { until: (l) => l !== undefined, timeoutMs: 10_000 },
    );
    expect(riskLine?.trace_id).to.equal(traceId);

    const statement = (sp: ExportedSpan) => {
      const text = sp.attributes['db.statement'] ?? sp.attributes['db.query.text'];
      return typeof text === 'string' ? text : '';
    };
    const spans = await waitUntil(
      'spans of both services and both databases under the trace id',
      () => otlp.spans.filter((sp) => sp.traceId === traceId),
      {
        until: (list) =>
          list.some((sp) => sp.name === 'risk.assess') &&
          list.some((sp) => sp.kind === OTLP.server && sp.name === 'POST /api/transfers') &&
          list.some((sp) => sp.kind === OTLP.server && sp.name === 'POST /api/decisions') &&
          list.some((sp) => sp.kind === OTLP.client && statement(sp).includes('risk.decisions')) &&
          list.some((sp) => sp.kind === OTLP.client && statement(sp).includes('transfer_money')),
        timeoutMs: 15_000,
        intervalMs: 250,
      },
    );
    const one = (what: string, match: (sp: ExportedSpan) => boolean) => {
      const found = spans.filter(match);
      expect(found, what).to.have.length(1);
      return found[0] as ExportedSpan;
    };
    const apiServer = one(
      "the API's server span",
      (sp) => sp.kind === OTLP.server && sp.name === 'POST /api/transfers',
    );
    const assess = one('the risk client span', (sp) => sp.name === 'risk.assess');
    const riskServer = one(
      "the risk service's server span",
      (sp) => sp.kind === OTLP.server && sp.name === 'POST /api/decisions',
    );
    const decision = one(
      "the risk service's query",
      (sp) => sp.kind === OTLP.client && statement(sp).includes('risk.decisions'),
    );
    const transfer = one(
      "the API's transfer query",
      (sp) => sp.kind === OTLP.client && statement(sp).includes('transfer_money'),
    );
    // The tree, link by link: the traceparent sent by the risk client is the parent of the risk service's span.
    expect(apiServer.parentSpanId, 'the API span is the root').to.equal('');
    expect(assess.parentSpanId).to.equal(apiServer.spanId);
    expect(riskServer.parentSpanId).to.equal(assess.spanId);
    expect(decision.parentSpanId).to.equal(riskServer.spanId);
    expect(transfer.parentSpanId).to.equal(apiServer.spanId);
  });
});
