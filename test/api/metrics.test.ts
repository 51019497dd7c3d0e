import { spawnSync } from 'node:child_process';
import { expect } from 'chai';
import { METRICS, NODE_METRICS } from '../../app/telemetry/catalogue';
import { startApp, type TestApp } from '../support/app';
import { parseExposition, sampleSum } from '../../kit/exposition';

describe('GET /metrics', () => {
  let t: TestApp;
  before(async () => {
    t = await startApp();
  });
  after(async () => t?.stop());

  const scrape = async () => parseExposition((await t.request.get('/metrics').expect(200)).text);

  it('exposes every metric of the catalogue and the Node defaults', async () => {
    await t.request.get('/api/balance').expect(200);
    await t.request
      .post('/api/transfers')
      .send({ from_account: 'ACC-001', to_account: 'ACC-002', amount: 1 })
      .expect(201);
    const text = (await t.request.get('/metrics').expect(200)).text;
    for (const m of Object.values(METRICS)) expect(text, m.name).to.include(`# TYPE ${m.name} ${m.type}`);
    for (const name of Object.values(NODE_METRICS)) expect(text, name).to.include(`# TYPE ${name} `);
  });

  it('labels requests with the route template, not the raw path', async () => {
    await t.request.get('/api/accounts/ACC-003').expect(200);
    await t.request.get('/api/accounts/ACC-004').expect(200);
    const samples = await scrape();
    expect(sampleSum(samples, 'fintech_requests_total', { endpoint: '/api/accounts/:number', status: '200' })).to.equal(
      2,
    );
    expect(samples.some((s) => s.labels.endpoint === '/api/accounts/ACC-003')).to.equal(false);
  });

  it('collapses unknown paths into one endpoint value, so cardinality stays bounded', async () => {
    for (let i = 0; i < 25; i += 1) await t.request.get(`/no/such/path/${i}`).expect(404);
    const samples = await scrape();
    const endpoints = new Set(samples.filter((s) => s.name === 'fintech_requests_total').map((s) => s.labels.endpoint));
    expect([...endpoints].filter((e) => e?.startsWith('/no/'))).to.deep.equal([]);
    expect(sampleSum(samples, 'fintech_requests_total', { endpoint: 'unmatched', status: '404' })).to.equal(25);
  });

  it('does not count its own scrapes', async () => {
    await scrape();
    const samples = await scrape();
    expect(
      samples.filter((s) => s.name === 'fintech_requests_total' && s.labels.endpoint === '/metrics'),
    ).to.deep.equal([]);
  });

  it('times failed requests as well as successful ones', async () => {
    await t.request.post('/api/transfers').send({ amount: 'x' }).expect(400);
    const samples = await scrape();
    expect(
      sampleSum(samples, 'fintech_request_latency_seconds_count', { endpoint: '/api/transfers', method: 'POST' }),
    ).to.be.at.least(2);
    expect(sampleSum(samples, 'fintech_errors_total', { code: 'VALIDATION_FAILED', status: '400' })).to.be.at.least(1);
  });

  it('returns fintech_active_transactions to 0 after transfers, and counts them by outcome', async () => {
    await t.request
      .post('/api/transfers')
      .send({ from_account: 'ACC-009', to_account: 'ACC-002', amount: 9999 })
      .expect(422);
    const samples = await scrape();
    expect(sampleSum(samples, 'fintech_active_transactions')).to.equal(0);
    expect(sampleSum(samples, 'fintech_transfers_total', { outcome: 'completed' })).to.equal(1);
    expect(sampleSum(samples, 'fintech_transfers_total', { outcome: 'insufficient_funds' })).to.equal(1);
    expect(sampleSum(samples, 'fintech_money_moved_cents_total', { currency: 'USD' })).to.equal(100);
    expect(sampleSum(samples, 'fintech_db_query_duration_seconds_count', { operation: 'transfer_money' })).to.equal(2);
  });

  it('reports the pool and app_info', async () => {
    const samples = await scrape();
    expect(sampleSum(samples, 'fintech_db_pool_connections', { state: 'total' })).to.be.at.least(1);
    expect(samples.find((s) => s.name === 'app_info')?.labels).to.include({ service: 'fintech-api', version: '1.0.0' });
  });

  it('serves OpenMetrics when the scraper asks for it, with counter names unchanged afterwards', async () => {
    const om = await t.request.get('/metrics').set('Accept', 'application/openmetrics-text; version=1.0.0').expect(200);
    expect(om.headers['content-type']).to.match(/^application\/openmetrics-text/);
    expect(om.text.trimEnd().endsWith('# EOF')).to.equal(true);
    const text = (await t.request.get('/metrics').expect(200)).text;
    expect(text).to.include('# TYPE fintech_requests_total counter');
  });

  it('passes promtool check metrics without a single remark', async () => {
    const which = spawnSync('which', ['promtool']);
    if (which.status !== 0)
      throw new Error('promtool is not installed: run `make test` (it installs it) or scripts/ensure-tools.sh');
    const text = (await t.request.get('/metrics').expect(200)).text;
    const out = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(`${out.stdout}${out.stderr}`.trim()).to.equal('');
    expect(out.status).to.equal(0);
  });
});
