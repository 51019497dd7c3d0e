import { expect } from 'chai';
import { adminUrl } from '../support/app';
import { startOtlpReceiver } from '../support/otlp-receiver';
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
    const database = await freshDatabase(adminUrl());
    risk = await spawnServer(
      { DATABASE_URL: database, OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url },
      { entry: 'risk/server.ts' },
    );
    api = await spawnServer({ DATABASE_URL: database, OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url, RISK_URL: risk.baseUrl });
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

    const statement = (sp: { attributes: Record<string, unknown> }) => {
      const text = sp.attributes['db.statement'] ?? sp.attributes['db.query.text'];
      return typeof text === 'string' ? text : '';
    };
    const spans = await waitUntil(
      'spans of both services and both databases under the trace id',
      () => otlp.spans.filter((sp) => sp.traceId === traceId),
      {
        until: (list) =>
          list.some((sp) => sp.name === 'risk.assess') &&
          list.some((sp) => sp.scope.includes('http') && String(sp.name).includes('/api/decisions')) &&
          list.some((sp) => sp.scope.includes('pg') && statement(sp).includes('risk.decisions')) &&
          list.some((sp) => sp.scope.includes('pg') && statement(sp).includes('transfer_money')),
        timeoutMs: 15_000,
        intervalMs: 250,
      },
    );
    expect(spans.length).to.be.at.least(4);
  });
});
