import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { FaultClient } from '../kit/faults';
import { adminUrl } from './support/app';
import { createDatabase, freshDatabase } from '../kit/postgres';
import { OTLP, startOtlpReceiver, type ExportedSpan } from './support/otlp-receiver';
import { parseExposition, sampleSum } from '../kit/exposition';
import { waitUntil } from '../kit/wait';
import { spawnServer, type ServerProcess } from './support/server-process';

describe('the server process (app/server.ts)', () => {
  describe('with invalid configuration', () => {
    it('exits 1 and names every problem on stderr', async () => {
      const s = await spawnServer({ PORT: 'x', DATABASE_URL: 'nope', LOG_LEVEL: 'chatty' }, { waitReady: false });
      expect(await s.exited).to.equal(1);
      const err = s.stderr.join('');
      for (const key of ['PORT', 'DATABASE_URL', 'LOG_LEVEL']) expect(err).to.include(key);
    });
  });

  describe('on an empty database, with traces exported', () => {
    let s: ServerProcess;
    let otlp: Awaited<ReturnType<typeof startOtlpReceiver>>;
    before(async () => {
      otlp = await startOtlpReceiver();
      s = await spawnServer({
        DATABASE_URL: await createDatabase(adminUrl(), `fintech_empty_${Date.now()}`),
        OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
        // The batch span processor's own setting: export after 0.2 s instead of 5 s, so each test waits less.
        OTEL_BSP_SCHEDULE_DELAY: '200',
      });
    });
    after(async () => {
      await s?.kill('SIGKILL');
      await otlp?.close();
    });
    const spansOf = (traceId: string, until: (spans: ExportedSpan[]) => boolean) =>
      waitUntil(`the exported spans of trace ${traceId}`, () => otlp.spans.filter((sp) => sp.traceId === traceId), {
        until,
        timeoutMs: 15_000,
        intervalMs: 250,
      });

    it('applies init.sql at start and serves the demo data', async () => {
      const res = await fetch(`${s.baseUrl}/api/balance`);
      expect(res.status).to.equal(200);
      expect(await res.json()).to.include({ account: 'ACC-001', balance: '10000.00', currency: 'USD' });
    });

    it('logs one JSON line per request with route, status, duration, request id, trace id and span id', async () => {
      await fetch(`${s.baseUrl}/api/accounts/ACC-002`, { headers: { 'X-Request-Id': 'req-log-1' } });
      const line = await waitUntil('the request log line', () => s.logs().find((l) => l.request_id === 'req-log-1'), {
        until: (l) => l !== undefined,
        timeoutMs: 10_000,
      });
      expect(line).to.include({ message: 'request', method: 'GET', route: '/api/accounts/:number', status: 200 });
      expect(line?.trace_id).to.match(/^[0-9a-f]{32}$/);
      expect(line?.span_id).to.match(/^[0-9a-f]{16}$/);
      expect(line?.duration_ms).to.be.a('number');
    });

    it('puts the trace id in error bodies, the same as in the log line', async () => {
      const res = await fetch(`${s.baseUrl}/api/accounts/ACC-404`, { headers: { 'X-Request-Id': 'req-err-1' } });
      const body = (await res.json()) as { error: { trace_id: string; request_id: string } };
      expect(res.status).to.equal(404);
      expect(body.error.request_id).to.equal('req-err-1');
      const line = await waitUntil('the error log line', () => s.logs().find((l) => l.request_id === 'req-err-1'), {
        until: (l) => l !== undefined,
        timeoutMs: 10_000,
      });
      expect(body.error.trace_id).to.equal(line?.trace_id);
    });

    it('exports the server span and the query spans of one request under one trace id, with fault events', async () => {
      expect((await new FaultClient(s.baseUrl).inject({ latency_ms: 1 }, 60)).status).to.equal(200);
      const res = await fetch(`${s.baseUrl}/api/balance`, { headers: { 'X-Request-Id': 'req-trace-1' } });
      expect(res.status).to.equal(200);
      expect((await new FaultClient(s.baseUrl).reset()).status).to.equal(200);
      const line = await waitUntil('the log line', () => s.logs().find((l) => l.request_id === 'req-trace-1'), {
        until: (l) => l !== undefined,
        timeoutMs: 10_000,
      });
      const spans = await spansOf(line?.trace_id as string, (list) =>
        [OTLP.server, OTLP.client].every((kind) => list.some((sp) => sp.kind === kind)),
      );
      const server = spans.find((sp) => sp.kind === OTLP.server);
      expect(server?.spanId).to.equal(line?.span_id);
      expect(server?.events).to.include('chaos.fault');
    });

    describe('the spans of a traced request form a tree', () => {
      // A caller's span, as a gateway or the risk client would send it: 00-trace id-span id-sampled.
      const caller = () => ({ traceId: randomBytes(16).toString('hex'), spanId: randomBytes(8).toString('hex') });
      const traceparent = (c: { traceId: string; spanId: string }) => `00-${c.traceId}-${c.spanId}-01`;
      const serverSpan = (spans: ExportedSpan[]) => spans.find((sp) => sp.kind === OTLP.server) as ExportedSpan;

      it('makes the incoming traceparent the parent of the server span, and the server span the parent of its queries', async () => {
        const from = caller();
        const res = await fetch(`${s.baseUrl}/api/balance`, { headers: { traceparent: traceparent(from) } });
        expect(res.status).to.equal(200);
        const spans = await spansOf(from.traceId, (list) => list.some((sp) => sp.kind === OTLP.client));
        const server = serverSpan(spans);
        expect(server).to.include({ name: 'GET /api/balance', parentSpanId: from.spanId, statusCode: 0 });
        expect(server.attributes).to.include({
          'http.request.method': 'GET',
          'http.route': '/api/balance',
          'http.response.status_code': 200,
        });
        const queries = spans.filter((sp) => sp.kind === OTLP.client);
        expect(queries.map((q) => q.parentSpanId)).to.deep.equal(queries.map(() => server.spanId));
        expect(queries[0]?.attributes).to.include({ 'db.system.name': 'postgresql' });
        expect(queries[0]?.attributes['db.query.text']).to.be.a('string').with.length.above(0);
      });

      it('keeps the link through a request body: the transfer query is a child of POST /api/transfers', async () => {
        const from = caller();
        const res = await fetch(`${s.baseUrl}/api/transfers`, {
          method: 'POST',
          headers: {
            traceparent: traceparent(from),
            'content-type': 'application/json',
            'Idempotency-Key': from.spanId,
          },
          body: JSON.stringify({ from_account: 'ACC-001', to_account: 'ACC-002', amount: '1.00' }),
        });
        expect(res.status).to.equal(201);
        const spans = await spansOf(from.traceId, (list) =>
          list.some((sp) => String(sp.attributes['db.query.text']).includes('transfer_money')),
        );
        const transfer = spans.find((sp) => String(sp.attributes['db.query.text']).includes('transfer_money'));
        expect(serverSpan(spans)).to.include({ name: 'POST /api/transfers', parentSpanId: from.spanId });
        expect(transfer?.parentSpanId).to.equal(serverSpan(spans).spanId);
      });

      it('marks the server span of a 5xx as an error', async () => {
        const faults = new FaultClient(s.baseUrl);
        expect((await faults.inject({ error_rate: 100, error_status: 503 }, 60)).status).to.equal(200);
        const from = caller();
        const res = await fetch(`${s.baseUrl}/api/balance`, { headers: { traceparent: traceparent(from) } });
        expect((await faults.reset()).status).to.equal(200);
        expect(res.status).to.equal(503);
        const spans = await spansOf(from.traceId, (list) => list.some((sp) => sp.kind === OTLP.server));
        expect(serverSpan(spans)).to.include({ parentSpanId: from.spanId, statusCode: OTLP.error });
        expect(serverSpan(spans).attributes).to.include({ 'http.response.status_code': 503, 'error.type': '503' });
      });
    });

    it('adds the trace id as an exemplar when scraped as OpenMetrics', async () => {
      await fetch(`${s.baseUrl}/api/balance`);
      const res = await fetch(`${s.baseUrl}/metrics`, {
        headers: { Accept: 'application/openmetrics-text; version=1.0.0' },
      });
      const text = await res.text();
      expect(text).to.match(/fintech_request_latency_seconds_bucket\{[^}]*\} \d+ # \{trace_id="[0-9a-f]{32}"\}/);
    });
  });

  describe('without a trace exporter', () => {
    let s: ServerProcess;
    before(async () => {
      s = await spawnServer({ DATABASE_URL: await freshDatabase(adminUrl()) });
    });
    after(async () => s?.kill('SIGKILL'));

    it('still gives every request a trace id in its log line and error body', async () => {
      const res = await fetch(`${s.baseUrl}/api/accounts/ACC-404`, { headers: { 'X-Request-Id': 'req-untraced-1' } });
      const body = (await res.json()) as { error: { trace_id?: string } };
      expect(body.error.trace_id).to.match(/^[0-9a-f]{32}$/);
      const line = await waitUntil('the log line', () => s.logs().find((l) => l.request_id === 'req-untraced-1'), {
        until: (l) => l !== undefined,
        timeoutMs: 10_000,
      });
      expect(line?.trace_id).to.equal(body.error.trace_id);
    });

    it("takes the trace id from a request id it made, and draws one for a client's request id", async () => {
      const errorOf = async (headers: Record<string, string>) => {
        const res = await fetch(`${s.baseUrl}/api/accounts/ACC-404`, { headers });
        return ((await res.json()) as { error: { trace_id: string; request_id: string } }).error;
      };
      const own = await errorOf({});
      expect(own.request_id).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(own.trace_id).to.equal(own.request_id.replaceAll('-', ''));
      const [first, second] = [
        await errorOf({ 'X-Request-Id': 'same-id' }),
        await errorOf({ 'X-Request-Id': 'same-id' }),
      ];
      expect(first?.trace_id).to.match(/^[0-9a-f]{32}$/);
      expect(second?.trace_id).to.match(/^[0-9a-f]{32}$/);
      expect(first?.trace_id).to.not.equal(second?.trace_id);
    });
  });

  describe('on SIGTERM under load', () => {
    let s: ServerProcess;
    before(async () => {
      s = await spawnServer({ DATABASE_URL: await freshDatabase(adminUrl()), SHUTDOWN_TIMEOUT_MS: '8000' });
    });
    after(async () => s?.kill('SIGKILL'));

    it('completes requests already accepted, refuses new connections, closes the pool and exits 0', async () => {
      expect((await new FaultClient(s.baseUrl).inject({ latency_ms: 1500 }, 60)).status).to.equal(200);
      const inflight = Array.from({ length: 10 }, (_, i) =>
        fetch(`${s.baseUrl}/api/transfer`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': `drain-${i}` },
          body: JSON.stringify({ amount: 1, to_account: 'ACC-002' }),
        }).then((r) => r.status),
      );
      await waitUntil('ten requests in flight', () => fetch(`${s.baseUrl}/metrics`).then((r) => r.text()), {
        until: (t) => sampleSum(parseExposition(t), 'fintech_requests_in_progress') === 10,
        timeoutMs: 10_000,
      });
      s.child.kill('SIGTERM');
      await waitUntil(
        'new connections to be refused',
        () =>
          fetch(`${s.baseUrl}/livez`).then(
            () => 'accepted',
            () => 'refused',
          ),
        { until: (v) => v === 'refused', timeoutMs: 5000, intervalMs: 50 },
      );
      expect(await Promise.all(inflight)).to.deep.equal(Array(10).fill(200));
      expect(await s.exited).to.equal(0);
      expect(s.logs().some((l) => l.message === 'stopped')).to.equal(true);
    });
  });
});
