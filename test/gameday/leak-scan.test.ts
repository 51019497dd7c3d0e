import { expect } from 'chai';
import { maskEveryService } from '../../gameday/game';
import { INCIDENTS, injection, serviceOf, type Incident } from '../../gameday/incidents';
import { FaultClient } from '../../kit/faults';
import { freshDatabase } from '../../kit/postgres';
import { waitUntil } from '../../kit/wait';
import { adminUrl, startApp, type TestApp } from '../support/app';
import { startRisk, type TestRisk } from '../support/risk';
import { memoryLogger } from '../support/memory-logger';
import { findLeaks, type Observed } from './leaks';

/** The public endpoints a participant can reach, plus business traffic on every route an incident may scope. */
const PUBLIC = ['/metrics', '/api/failures', '/health', '/healthz', '/'];
/** The risk service's public endpoints (the API calls it for every transfer). */
const RISK_PUBLIC = ['/metrics', '/api/failures', '/livez', '/'];
const TRAFFIC = ['/api/balance', '/api/accounts', '/api/accounts/ACC-002'];
const TRANSFER = { from_account: 'ACC-002', to_account: 'ACC-003', amount: 0.01 };

describe('game-day masking: the leak scan', () => {
  let t: TestApp;
  let risk: TestRisk;
  let log: ReturnType<typeof memoryLogger>;
  let riskLog: ReturnType<typeof memoryLogger>;
  before(async () => {
    const databaseUrl = await freshDatabase(adminUrl());
    log = memoryLogger();
    riskLog = memoryLogger();
    risk = await startRisk(databaseUrl, { LOG_LEVEL: 'info' }, { logger: riskLog.logger });
    t = await startApp({ LOG_LEVEL: 'info', RISK_URL: risk.baseUrl }, { logger: log.logger, databaseUrl });
  });
  after(async () => {
    await t?.stop();
    await risk?.stop();
  });
  const resetBoth = async () => {
    await t.request.post('/api/reset').expect(200);
    await risk.request.post('/api/reset').expect(200);
  };
  afterEach(resetBoth);

  /** Both services' metrics: the scan compares each line with the baseline's. */
  const metrics = async () => `${(await t.request.get('/metrics')).text}\n${(await risk.request.get('/metrics')).text}`;

  /**
   * Opens a round as the game does when `round` says so (every service masked, gameday/game.ts), injects the
   * incident (every stage) hidden or not, sends traffic to each route, and returns what a participant saw.
   */
  async function play(
    incident: Incident,
    hidden: boolean,
    round: 'mask every service' | 'mask the target only' = 'mask every service',
  ): Promise<{ seen: Observed; baseline: string }> {
    const baseline = await metrics();
    log.lines.length = 0;
    riskLog.lines.length = 0;
    const target = serviceOf(incident) === 'risk' ? risk : t;
    if (hidden && round === 'mask every service')
      await maskEveryService([new FaultClient(t.baseUrl), new FaultClient(risk.baseUrl)], 60);
    for (const stage of incident.stages)
      await target.request
        .post('/api/failures')
        .send({ ...injection(incident, stage, t.config.INSTANCE_ID), duration_s: 60, hidden })
        .expect(200);
    const answers: Observed['answers'] = [];
    const keep = (path: string, res: { status: number; headers: Record<string, unknown>; text: string }) =>
      answers.push({ path, status: res.status, headers: res.headers, body: res.text });
    const traffic = [...TRAFFIC, ...TRAFFIC].map(async (path) => keep(path, await t.request.get(path)));
    const transfers = [1, 2].map(async () =>
      keep('/api/transfers', await t.request.post('/api/transfers').send(TRANSFER)),
    );
    await Promise.all([...traffic, ...transfers]);
    for (const path of PUBLIC) keep(path, await t.request.get(path));
    for (const path of RISK_PUBLIC) keep(`risk ${path}`, await risk.request.get(path));
    const seen = {
      answers,
      metrics: await metrics(),
      logLines: [...log.lines, ...riskLog.lines].map((l) => JSON.stringify(l)),
    };
    return { seen, baseline };
  }

  for (const incident of INCIDENTS) {
    it(`finds nothing that names ${incident.id} (${incident.family}) while it is hidden, and finds it when it is not`, async () => {
      const hidden = await play(incident, true);
      expect(findLeaks(incident, hidden.seen, hidden.baseline)).to.deep.equal([]);
      await resetBoth();
      const open = await play(incident, false);
      expect(findLeaks(incident, open.seen, open.baseline)).to.not.deep.equal([]);
    });
  }

  it('finds which service is hit when only that one is masked (the round without masking every service)', async () => {
    const incident = INCIDENTS.find((i) => i.id === 'slow-risk')!;
    const { seen, baseline } = await play(incident, true, 'mask the target only');
    const differs = findLeaks(incident, seen, baseline).filter((l) => l.startsWith('GET /api/failures differs'));
    expect(differs, 'the API answers in full, the risk service masked').to.have.length(1);
    expect(differs[0]).to.include('"hidden":true').and.include('"faults":');
  });

  it('keeps a service masked without a fault of its own for its duration only, then shows it again', async () => {
    await maskEveryService([new FaultClient(t.baseUrl)], 1);
    expect(Object.keys((await t.request.get('/api/failures').expect(200)).body as object).sort()).to.deep.equal([
      'enabled',
      'hidden',
      'instance_id',
    ]);
    await waitUntil(
      'the mask expires',
      async () => (await t.request.get('/api/failures')).body as { faults?: object },
      {
        timeoutMs: 5000,
        until: (b) => b.faults !== undefined,
      },
    );
  });

  it('lets the facilitator (with CHAOS_TOKEN) read the hidden faults and refuses everyone else', async () => {
    const token = 'facilitator-token-0123456789';
    const guarded = await startApp({ CHAOS_TOKEN: token });
    try {
      const auth = { authorization: `Bearer ${token}` };
      await guarded.request.post('/api/failures').set(auth).send({ latency_ms: 5, hidden: true }).expect(200);
      await guarded.request.get('/api/failures').expect(401);
      const view = await guarded.request.get('/api/failures').set(auth).expect(200);
      expect(view.body).to.deep.include({ hidden: true });
      expect(view.body.faults.latency).to.include({ active: true });
    } finally {
      await guarded.stop();
    }
  });

  it('ends the masking when the last hidden fault expires, so a killed game leaves nothing hidden', async () => {
    await t.request.post('/api/failures').send({ latency_ms: 5, duration_s: 1, hidden: true }).expect(200);
    const masked = (await t.request.get('/api/failures')).body as Record<string, unknown>;
    expect(masked).to.deep.include({ enabled: true, hidden: true });
    expect(Object.keys(masked).sort(), 'only which replica answered besides').to.deep.equal([
      'enabled',
      'hidden',
      'instance_id',
    ]);
    const body = await waitUntil(
      'the fault expires',
      async () =>
        (await t.request.get('/api/failures')).body as { hidden?: boolean; faults?: { latency?: { active: boolean } } },
      { timeoutMs: 5000, until: (b) => b.faults !== undefined },
    );
    expect(body.hidden).to.equal(undefined);
    expect(body.faults?.latency?.active).to.equal(false);
  });
});
