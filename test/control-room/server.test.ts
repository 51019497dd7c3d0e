import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import supertest from 'supertest';
import { createControlRoom } from '../../control-room/app';
import { buildCatalogue, perInstance, recordedExpressions } from '../../control-room/catalogue';
import { loadControlRoomConfig } from '../../control-room/config';
import { dashboardQueries } from '../../monitoring/grafana/queries';
import { CASES } from '../../scenarios/cases';
import { PROFILES } from '../../scenarios/lib/profiles';
import { liveJournalFile, writeLiveJournal } from '../../scenarios/lib/report';
import type { Journal } from '../../scenarios/lib/runner';
import { startApp, type TestApp } from '../support/app';

/** Nothing listens here (this file's range is 20400-20499): a component that does not answer. */
const CLOSED_PORT = 20401;
/** The API's fault API through the control room. */
const API = '/services/api';
const TOKEN = 'control-room-unit-token-0123456789';

describe('control room catalogue', () => {
  it('takes every chart and the fault windows from a Grafana panel, and the presets from the cases', () => {
    const catalogue = buildCatalogue();
    const exprs = new Set(dashboardQueries().map((q) => q.expr));
    for (const signal of catalogue.signals) {
      expect(signal.exprs, signal.id).to.not.have.lengthOf(0);
      for (const expr of signal.exprs) expect(exprs.has(expr), `${signal.id}: ${expr}`).to.equal(true);
    }
    expect(exprs.has(catalogue.faultWindows)).to.equal(true);
    const cases = Object.values(CASES).map((f) => f(PROFILES.workshop, {}));
    expect(catalogue.presets.map((p) => [p.id, p.service, p.faults])).to.deep.equal(
      cases.map((scenario) => [scenario.id, scenario.target ?? 'api', scenario.faults]),
    );
    expect(catalogue.presets.filter((p) => p.service === 'risk').map((p) => p.id)).to.deep.equal([7, 8]);
    expect(catalogue.services.map((s) => s.id)).to.deep.equal(['api', 'risk']);
  });

  it('draws one line per replica by grouping every aggregation of a panel by instance_id, recorded rules expanded', () => {
    const recorded = recordedExpressions();
    const rules = {
      'fintech:request_rate:rate30s': 'sum(rate(fintech_requests_total[30s]))',
      'fintech:error_ratio:rate30s':
        '(sum(rate(fintech_requests_total{status=~"5.."}[30s])) or vector(0)) / sum(rate(fintech_requests_total[30s]))',
    };
    expect(perInstance('fintech:request_rate:rate30s', rules)).to.equal(
      '(sum by (instance_id) (rate(fintech_requests_total[30s])))',
    );
    // a replica without 5xx reads 0, not nothing
    expect(perInstance('fintech:error_ratio:rate30s', rules)).to.equal(
      '(sum by (instance_id) (rate(fintech_requests_total{status=~"5.."}[30s])) or 0 * sum by (instance_id) (rate(fintech_requests_total[30s]))) / sum by (instance_id) (rate(fintech_requests_total[30s]))',
    );
    expect(perInstance('histogram_quantile(0.99, sum by (le) (rate(x_bucket[30s])))', {})).to.equal(
      'histogram_quantile(0.99, sum by (le, instance_id) (rate(x_bucket[30s])))',
    );
    expect(perInstance('fintech_active_transactions', recorded)).to.equal('fintech_active_transactions');
    for (const signal of buildCatalogue().signals) {
      for (const expr of signal.perInstance) {
        expect(expr, signal.id).to.not.match(/\bfintech:/);
        expect(expr, signal.id).to.not.match(/\b(sum|max|min|avg|count)\s*\((?!.*instance_id)/);
      }
    }
  });

  it('fails at start, naming the panel, when a dashboard panel it draws is gone', () => {
    const withoutRate = dashboardQueries().filter((q) => q.panel !== 'Requests/s');
    expect(() => buildCatalogue(withoutRate)).to.throw('no Grafana panel "Requests/s" in dashboard api-overview');
  });
});

describe('control room server', () => {
  let api: TestApp;
  let reports: string;
  let room: ReturnType<typeof supertest>;

  before(async () => {
    api = await startApp({ CHAOS_TOKEN: TOKEN });
    reports = fs.mkdtempSync(path.join(os.tmpdir(), 'control-room-reports-'));
    const config = loadControlRoomConfig({
      API_URL: api.baseUrl,
      PROMETHEUS_URL: `http://127.0.0.1:${CLOSED_PORT}`,
      RISK_URL: `http://127.0.0.1:${CLOSED_PORT}`,
      GAMEDAY_URL: `http://127.0.0.1:${CLOSED_PORT}`,
      JOURNAL_FILE: liveJournalFile(reports),
    });
    room = supertest(createControlRoom(config, buildCatalogue()));
  });

  after(async () => {
    await api.stop();
    fs.rmSync(reports, { recursive: true, force: true });
  });

  it("passes the API's own refusal through unchanged, and the token with it", async () => {
    const body = { error_rate: 150, duration_s: 0 };
    const direct = await api.request.post('/api/failures').set('authorization', `Bearer ${TOKEN}`).send(body);
    const proxied = await room.post(`${API}/api/failures`).set('authorization', `Bearer ${TOKEN}`).send(body);
    expect(proxied.status).to.equal(400);
    const { request_id: _a, trace_id: _c, ...directError } = direct.body.error;
    const { request_id: _b, trace_id: _d, ...proxiedError } = proxied.body.error;
    expect(proxiedError).to.deep.equal(directError);
    expect(proxiedError.details.problems.map((p: { path: string }) => p.path)).to.have.members([
      'body.error_rate',
      'body.duration_s',
    ]);
    const unauthenticated = await room.post(`${API}/api/failures`).send({ latency_ms: 10 });
    expect(unauthenticated.status).to.equal(401);
    expect(unauthenticated.headers['www-authenticate']).to.equal('Bearer');
    expect(api.faults.current().settings.latency_ms).to.equal(0);
  });

  it('applies a change with the token, as the API answers it', async () => {
    const res = await room
      .post(`${API}/api/failures`)
      .set('authorization', `Bearer ${TOKEN}`)
      .send({ latency_ms: 5, duration_s: 30 });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(api.faults.current().settings.latency_ms).to.equal(5);
    await room.post(`${API}/api/reset`).set('authorization', `Bearer ${TOKEN}`).expect(200);
    expect(api.faults.current().settings.latency_ms).to.equal(0);
  });

  it('refuses a fault change from a page on another origin, and changes nothing', async () => {
    const res = await room
      .post(`${API}/api/failures`)
      .set('origin', 'http://attacker.example')
      .set('authorization', `Bearer ${TOKEN}`)
      .send({ latency_ms: 5 });
    expect(res.status).to.equal(403);
    expect(res.body.error.message).to.equal('Cross-origin requests to the fault API are refused.');
    expect(api.faults.current().settings.latency_ms).to.equal(0);
  });

  it('answers 502 naming the component when it does not answer', async () => {
    const res = await room.get('/prometheus/api/v1/alerts');
    expect(res.status).to.equal(502);
    expect(res.body.error.code).to.equal('UPSTREAM_UNAVAILABLE');
    expect(res.body.error.message).to.contain(`Prometheus at http://127.0.0.1:${CLOSED_PORT} did not answer`);
    const risk = await room.get('/services/risk/api/failures');
    expect(risk.status).to.equal(502);
    expect(risk.body.error.message).to.contain(`The risk service at http://127.0.0.1:${CLOSED_PORT} did not answer`);
    const game = await room.get('/game');
    expect(game.status, 'no game runs').to.equal(502);
    expect(game.body.error.message).to.contain(`The game day at http://127.0.0.1:${CLOSED_PORT} did not answer`);
    expect((await room.post('/game/reveal').set('origin', 'http://attacker.example')).status).to.equal(403);
    expect((await room.get('/game/anything-else')).status, 'only the game endpoints are forwarded').to.equal(404);
  });

  it('forwards only the listed paths', async () => {
    for (const p of [
      '/api/failures',
      `${API}/api/transfers`,
      '/services/risk/api/decisions',
      '/services/other/api/failures',
      '/api/balance',
      '/prometheus/api/v1/admin/tsdb/snapshot',
      '/alertmanager/api/v2/silences',
    ])
      expect((await room.get(p)).status, p).to.equal(404);
    expect((await room.post('/prometheus/api/v1/alerts')).status).to.equal(404);
  });

  it('serves the page, uPlot and the catalogue', async () => {
    expect((await room.get('/').expect(200)).text).to.contain('<h1>Control room</h1>');
    await room
      .get('/vendor/uplot/uPlot.iife.min.js')
      .expect(200)
      .expect('content-type', /javascript/);
    await room
      .get('/main.mjs')
      .expect(200)
      .expect('content-type', /javascript/);
    expect((await room.get('/catalogue.json').expect(200)).body.signals).to.not.have.lengthOf(0);
  });

  it('serves the live journal the scenario runner writes, and nothing before the first run', async () => {
    await room.get('/scenario.json').expect(204);
    const journal = { scenario: { id: 1, title: 'Latency' }, phases: [], verdict: 'fail' } as unknown as Journal;
    writeLiveJournal(journal, reports, true);
    const res = await room.get('/scenario.json').expect(200);
    expect(res.body).to.include({ running: true, verdict: 'fail' });
    expect(res.body.scenario.id).to.equal(1);
  });
});
