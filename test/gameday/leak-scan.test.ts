import { expect } from 'chai';
import { INCIDENTS, injection, type Incident } from '../../gameday/incidents';
import { waitUntil } from '../../kit/wait';
import { startApp, type TestApp } from '../support/app';
import { memoryLogger } from '../support/memory-logger';
import { findLeaks, type Observed } from './leaks';

/** The public endpoints a participant can reach, plus business traffic on every route an incident may scope. */
const PUBLIC = ['/metrics', '/api/failures', '/health', '/healthz', '/'];
const TRAFFIC = ['/api/balance', '/api/accounts', '/api/accounts/ACC-002'];
const TRANSFER = { from_account: 'ACC-002', to_account: 'ACC-003', amount: 0.01 };

describe('game-day masking: the leak scan', () => {
  let t: TestApp;
  let log: ReturnType<typeof memoryLogger>;
  before(async () => {
    log = memoryLogger();
    t = await startApp({ LOG_LEVEL: 'info' }, { logger: log.logger });
  });
  after(async () => t?.stop());
  afterEach(async () => {
    await t.request.post('/api/reset').expect(200);
  });

  const metrics = async () => (await t.request.get('/metrics')).text;

  /** Injects the incident (every stage), sends traffic to each route, and returns what a participant saw. */
  async function play(incident: Incident, hidden: boolean): Promise<{ seen: Observed; baseline: string }> {
    const baseline = await metrics();
    log.lines.length = 0;
    for (const stage of incident.stages)
      await t.request
        .post('/api/failures')
        .send({ ...injection(incident, stage), duration_s: 60, hidden })
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
    const seen = {
      answers,
      metrics: answers.find((a) => a.path === '/metrics')?.body ?? '',
      logLines: log.lines.map((l) => JSON.stringify(l)),
    };
    return { seen, baseline };
  }

  for (const incident of INCIDENTS) {
    it(`finds nothing that names ${incident.id} (${incident.family}) while it is hidden, and finds it when it is not`, async () => {
      const hidden = await play(incident, true);
      expect(findLeaks(incident, hidden.seen, hidden.baseline)).to.deep.equal([]);
      await t.request.post('/api/reset').expect(200);
      const open = await play(incident, false);
      expect(findLeaks(incident, open.seen, open.baseline)).to.not.deep.equal([]);
    });
  }

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
