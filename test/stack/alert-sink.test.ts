import fs from 'node:fs';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { AlertStore, createAlertSinkServer, type ReceivedAlert } from '../../stack/alert-sink';

function webhookPayload(alerts: { status: string; alertname: string; severity?: string }[]): unknown {
  return {
    version: '4',
    receiver: 'workshop-sink',
    status: alerts[0]?.status ?? 'firing',
    alerts: alerts.map((a, i) => ({
      status: a.status,
      labels: { alertname: a.alertname, severity: a.severity ?? 'page' },
      annotations: { summary: `${a.alertname} summary` },
      startsAt: '2026-11-21T07:00:00Z',
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'http://127.0.0.1:9090/graph',
      fingerprint: `fp${i}`,
    })),
  };
}

describe('alert sink', () => {
  let dir: string;
  let server: http.Server;
  let base: string;

  async function startSink(options: { maxAlerts?: number; maxBodyBytes?: number } = {}): Promise<void> {
    const store = new AlertStore(path.join(dir, 'alerts.jsonl'), options.maxAlerts);
    server = createAlertSinkServer(
      store,
      options.maxBodyBytes === undefined ? {} : { maxBodyBytes: options.maxBodyBytes },
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async function stopSink(): Promise<void> {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }

  const post = (body: unknown): Promise<Response> =>
    fetch(`${base}/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  const list = async (query = ''): Promise<ReceivedAlert[]> =>
    (await fetch(`${base}/alerts${query}`)).json() as Promise<ReceivedAlert[]>;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alert-sink-'));
    await startSink();
  });

  afterEach(async () => {
    await stopSink();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  describe('POST /alerts', () => {
    it('stores each alert of a webhook notification with its status, labels and annotations', async () => {
      const res = await post(
        webhookPayload([
          { status: 'firing', alertname: 'HighErrorRate' },
          { status: 'resolved', alertname: 'DatabaseDown' },
        ]),
      );
      expect(res.status).to.equal(200);
      const alerts = await list();
      expect(
        alerts.map((a) => [a.status, a.labels['alertname'], a.annotations['summary'], a.fingerprint, a.receiver]),
      ).to.deep.equal([
        ['firing', 'HighErrorRate', 'HighErrorRate summary', 'fp0', 'workshop-sink'],
        ['resolved', 'DatabaseDown', 'DatabaseDown summary', 'fp1', 'workshop-sink'],
      ]);
      expect(Date.parse(alerts[0]?.receivedAt ?? '')).to.be.closeTo(Date.now(), 10_000);
    });

    it('rejects a body that is not JSON with 400 and stores nothing', async () => {
      const res = await post('{"alerts": [');
      expect(res.status).to.equal(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).to.equal('INVALID_PAYLOAD');
      expect(await list()).to.deep.equal([]);
    });

    it('rejects a payload whose alert has no valid status with 400 and stores none of its alerts', async () => {
      const payload = webhookPayload([
        { status: 'firing', alertname: 'A' },
        { status: 'burning', alertname: 'B' },
      ]);
      const res = await post(payload);
      expect(res.status).to.equal(400);
      expect(((await res.json()) as { error: { message: string } }).error.message).to.contain('alerts[1].status');
      expect(await list()).to.deep.equal([]);
    });

    it('rejects a payload without an alerts array with 400', async () => {
      expect((await post({ receiver: 'x' })).status).to.equal(400);
    });

    it('rejects a body over the size limit with 413', async () => {
      await stopSink();
      await startSink({ maxBodyBytes: 1024 });
      const res = await post({ alerts: [], padding: 'x'.repeat(2048) });
      expect(res.status).to.equal(413);
      expect(await list()).to.deep.equal([]);
    });

    it('keeps only the newest alerts beyond its cap, in memory and in its file', async () => {
      await stopSink();
      await startSink({ maxAlerts: 3 });
      for (const name of ['A1', 'A2', 'A3', 'A4', 'A5'])
        await post(webhookPayload([{ status: 'firing', alertname: name }]));
      expect((await list()).map((a) => a.labels['alertname'])).to.deep.equal(['A3', 'A4', 'A5']);
      const lines = fs.readFileSync(path.join(dir, 'alerts.jsonl'), 'utf8').trim().split('\n');
      expect(lines).to.have.length(3);
    });
  });

  describe('GET /alerts', () => {
    it('filters by status and by alertname', async () => {
      await post(
        webhookPayload([
          { status: 'firing', alertname: 'A' },
          { status: 'firing', alertname: 'B' },
        ]),
      );
      await post(webhookPayload([{ status: 'resolved', alertname: 'A' }]));
      expect((await list('?status=firing')).map((a) => a.labels['alertname'])).to.deep.equal(['A', 'B']);
      expect((await list('?alertname=A')).map((a) => a.status)).to.deep.equal(['firing', 'resolved']);
    });

    it('lists the alerts a previous sink process stored in the same file', async () => {
      await post(webhookPayload([{ status: 'firing', alertname: 'Persisted' }]));
      await stopSink();
      await startSink();
      expect((await list()).map((a) => a.labels['alertname'])).to.deep.equal(['Persisted']);
    });
  });

  describe('DELETE /alerts', () => {
    it('forgets every stored alert', async () => {
      await post(webhookPayload([{ status: 'firing', alertname: 'A' }]));
      expect((await fetch(`${base}/alerts`, { method: 'DELETE' })).status).to.equal(204);
      expect(await list()).to.deep.equal([]);
    });
  });

  describe('GET /healthz', () => {
    it('answers 200 with the number of stored alerts', async () => {
      await post(webhookPayload([{ status: 'firing', alertname: 'A' }]));
      const res = await fetch(`${base}/healthz`);
      expect(res.status).to.equal(200);
      expect(await res.json()).to.deep.equal({ status: 'ok', alerts: 1 });
    });
  });

  it('answers 404 on an unknown path and 405 on a wrong method', async () => {
    expect((await fetch(`${base}/nope`)).status).to.equal(404);
    const res = await fetch(`${base}/healthz`, { method: 'POST' });
    expect(res.status).to.equal(405);
    expect(res.headers.get('allow')).to.equal('GET');
  });
});
