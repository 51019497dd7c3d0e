import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { latency } from '../../app/faults/latency';
import { slowDependency } from '../../scenarios/cases/07-slow-dependency';
import { waitUntil } from '../../kit/wait';
import { PROFILES } from '../../scenarios/lib/profiles';
import { writeLiveJournal } from '../../scenarios/lib/report';
import type { Journal } from '../../scenarios/lib/runner';
import type { Ports } from '../../stack/options';
import type { Stack } from '../../stack/stack';
import { screenshot as saveScreenshot } from '../support/browser';
import { openControlRoom, type OpenControlRoom } from '../support/control-room';
import { startSourceStack, suiteDir } from '../support/native-stack';

/** The kit's waitUntil, in the (description, check, done) form this file reads best in. */
const pollUntil = <T>(
  description: string,
  check: () => Promise<T>,
  until: (value: T) => boolean,
  o: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> =>
  waitUntil(description, check, { until, timeoutMs: o.timeoutMs ?? 10_000, intervalMs: o.intervalMs ?? 100 });

/** Ports of this file only (20400-20499). */
const PORTS: Ports = {
  api: 20400,
  prometheus: 20490,
  alertmanager: 20493,
  postgres: 20432,
  postgresExporter: 20487,
  alertSink: 20499,
  controlRoom: 20488,
  risk: 20402,
};
const TOKEN = 'control-room-test-token-0123456789';
type FaultState = { current_config: Record<string, unknown>; faults: unknown; version: number };
/** Case 1 on the fast profile the stack runs: the time the scenario gives the alert to fire. */
const CASE_DEADLINE_MS = PROFILES.fast.detectDeadlineSeconds * 1000;
const AXE = require.resolve('axe-core/axe.min.js');

describe('The control room in Chromium, against a native stack with CHAOS_TOKEN set', function () {
  this.timeout(4 * 60_000);
  let dir: string;
  let stack: Stack;
  let room: OpenControlRoom | undefined;
  let page: Page;
  let reportsBefore: string | undefined;

  /** A service's fault state from its own GET /api/failures, asked directly (not through the page). */
  const faults = async (service: 'api' | 'risk' = 'api'): Promise<FaultState> => {
    const res = await fetch(`${stack.urls[service]}/api/failures`, { headers: { authorization: `Bearer ${TOKEN}` } });
    // the state only: the store's replica list carries the time of each read
    const { current_config, faults, version } = (await res.json()) as FaultState;
    return { current_config, faults, version };
  };
  const panel = (service: 'api' | 'risk' = 'api') => page.locator(`#faults-${service}`);
  const latest = (signal: string, series: RegExp) =>
    page.$$eval(
      `#chart-${signal} .latest tr[data-series]`,
      (rows, source) =>
        rows
          .filter((r) => new RegExp(source).test(r.getAttribute('data-series') ?? ''))
          .map((r) => Number(r.getAttribute('data-value'))),
      series.source,
    );
  const alertState = (name: string) =>
    page.$eval(
      `#alerts tbody`,
      (body, n) => body.querySelector(`tr[data-alertname="${n}"]`)?.getAttribute('data-state') ?? 'none',
      name,
    );
  const message =
    (service: 'api' | 'risk' = 'api') =>
    () =>
      panel(service).locator('.message').innerText();
  const tokenMessage = () => page.locator('#token-message').innerText();
  const screenshot = (name: string) => saveScreenshot(page, name);

  before(async function () {
    this.timeout(3 * 60_000);
    dir = suiteDir('control-room-');
    // the stack's control room reads the live journal from REPORTS_DIR, as after `make scenario-N`
    reportsBefore = process.env['REPORTS_DIR'];
    process.env['REPORTS_DIR'] = path.join(dir, 'reports');
    stack = await startSourceStack(dir, PORTS, { CHAOS_TOKEN: TOKEN });
    // axe-core is injected as a script: the page's CSP (script-src 'self') would refuse it
    room = await openControlRoom(stack, { overallRate: 20, seconds: 200, bypassCSP: true });
    page = room.page;
  });

  after(async function () {
    this.timeout(60_000);
    await room?.close();
    await stack?.stop();
    if (reportsBefore === undefined) delete process.env['REPORTS_DIR'];
    else process.env['REPORTS_DIR'] = reportsBefore;
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('builds a fault form per service from its own schema: every setting with its range, plus the scope', async () => {
    for (const service of ['api', 'risk'] as const) {
      const fields = await panel(service).locator('.fields .field > label, .fields .field > legend').allTextContents();
      expect(fields, service).to.include.members([
        'latency_ms',
        'error_rate',
        'db_slow',
        'memory_leak_mb',
        'routes',
        'instances',
        'duration_s',
      ]);
      expect(await page.locator(`#${service}-field-error_rate-hint`).innerText()).to.contain('0–100');
      expect(await page.locator(`#${service}-field-latency_ms-hint`).innerText()).to.contain(
        latency.settings.latency_ms.description,
      );
    }
  });

  it('refuses every change until the token is given, then keeps the token in sessionStorage only', async () => {
    expect(await page.locator('#token-form').isVisible()).to.equal(true);
    await page.getByRole('button', { name: /1 · Latency/ }).click();
    await page.getByRole('button', { name: 'Apply to the API' }).click();
    await pollUntil('the refusal on the page', message(), (m) => m.includes('UNAUTHORIZED'));
    expect((await faults()).current_config['latency_ms']).to.equal(0);

    await page.getByLabel('Chaos token').fill(TOKEN);
    await page.getByRole('button', { name: 'Use this token' }).click();
    await pollUntil('the token accepted', tokenMessage, (m) => m.includes('Token accepted'));
    // a string: the test is compiled without the DOM types the page's globals belong to
    const storage = await page.evaluate<{ session: string | null; local: string; cookie: string }>(
      `({ session: sessionStorage.getItem('chaos-token'), local: JSON.stringify(localStorage), cookie: document.cookie })`,
    );
    expect(storage.session).to.equal(TOKEN);
    expect(storage.local).not.to.contain(TOKEN);
    expect(storage.cookie).not.to.contain(TOKEN);
  });

  it('shows the API’s own message for error_rate 150 and changes nothing', async () => {
    const before = await faults();
    await panel().getByLabel('error_rate', { exact: true }).fill('150');
    await page.getByRole('button', { name: 'Apply to the API' }).click();
    const text = await pollUntil('the refusal on the page', message(), (m) => m.includes('VALIDATION_FAILED'));
    expect(text)
      .to.contain('The request is invalid.')
      .and.to.match(/error_rate: .*100/);
    await screenshot('refused');
    expect(await faults()).to.deep.equal(before);
    await panel().getByLabel('error_rate', { exact: true }).fill('');
  });

  it('shows the risk service’s own error list for a bad value and changes neither service', async () => {
    const [api, risk] = [await faults('api'), await faults('risk')];
    const apiMessage = await message('api')();
    await panel('risk').getByLabel('error_rate', { exact: true }).fill('150');
    await panel('risk').getByLabel('latency_ms', { exact: true }).fill('-5');
    await page.getByRole('button', { name: 'Apply to the risk service' }).click();
    const text = await pollUntil('the refusal in the risk panel', message('risk'), (m) =>
      m.includes('VALIDATION_FAILED'),
    );
    expect(text)
      .to.match(/body\.error_rate: .*100/)
      .and.to.match(/body\.latency_ms: /);
    expect(await faults('risk')).to.deep.equal(risk);
    expect(await faults('api')).to.deep.equal(api);
    expect(await message('api')()).to.equal(apiMessage);
    await panel('risk').getByLabel('error_rate', { exact: true }).fill('');
    await panel('risk').getByLabel('latency_ms', { exact: true }).fill('');
  });

  it('applies case 7’s preset to the risk service alone through the page, and resets it from the page', async () => {
    await panel('risk')
      .getByRole('button', { name: /7 · Slow dependency/ })
      .click();
    await page.getByRole('button', { name: 'Apply to the risk service' }).click();
    await pollUntil('the applied message', message('risk'), (m) => m.includes('Applied'));
    expect((await faults('risk')).current_config['latency_ms']).to.equal(
      slowDependency(PROFILES.fast, {}).faults['latency_ms'],
    );
    expect((await faults('api')).current_config['latency_ms']).to.equal(0);
    await pollUntil(
      'the risk panel listing latency as active',
      () => panel('risk').locator('tr[data-fault="latency"]').getAttribute('data-active'),
      (a) => a === 'true',
    );
    await page.getByRole('button', { name: 'Reset every fault of the risk service' }).click();
    await pollUntil('the reset message', message('risk'), (m) => m.includes('is off'));
    expect((await faults('risk')).current_config['latency_ms']).to.equal(0);
  });

  it('injects 2000 ms from the form: p99 crosses 1 s and FintechHighLatencyP99 shows within case 1’s time', async () => {
    const started = Date.now();
    await page.getByRole('button', { name: /1 · Latency/ }).click();
    expect(await panel().getByLabel('latency_ms', { exact: true }).inputValue()).to.equal('2000');
    await page.getByRole('button', { name: 'Apply to the API' }).click();
    await pollUntil('the applied message', message(), (m) => m.includes('Applied'));
    expect((await faults()).current_config['latency_ms']).to.equal(2000);
    await pollUntil(
      'p99 above 1 s on the chart',
      () => latest('latency', /latency_p99/),
      (v) => (v[0] ?? 0) > 1,
      {
        timeoutMs: CASE_DEADLINE_MS,
        intervalMs: 500,
      },
    );
    await pollUntil(
      'FintechHighLatencyP99 firing on the page',
      () => alertState('FintechHighLatencyP99'),
      (s) => s === 'firing',
      {
        timeoutMs: Math.max(1000, CASE_DEADLINE_MS - (Date.now() - started)),
        intervalMs: 500,
      },
    );
    const row = page.locator('#alerts tr[data-alertname="FintechHighLatencyP99"]');
    expect(await row.innerText()).to.contain('critical');
    expect(await row.getByRole('link').getAttribute('href')).to.match(/docs\/cases\/01-latency\.md$/);
    await screenshot('latency');
  });

  it('resets from the page: the p99 chart falls under 1 s and the alert leaves the page', async () => {
    await page.getByRole('button', { name: 'Reset every fault of the API' }).click();
    await pollUntil('the reset message', message(), (m) => m.includes('is off'));
    expect((await faults()).current_config['latency_ms']).to.equal(0);
    await pollUntil(
      'p99 under 1 s on the chart',
      () => latest('latency', /latency_p99/),
      (v) => (v[0] ?? 2) < 1,
      {
        timeoutMs: PROFILES.fast.recoveryDeadlineSeconds * 1000,
        intervalMs: 500,
      },
    );
    await pollUntil(
      'FintechHighLatencyP99 gone from the page',
      () => alertState('FintechHighLatencyP99'),
      (s) => s === 'none',
      {
        timeoutMs: PROFILES.fast.recoveryDeadlineSeconds * 1000,
        intervalMs: 500,
      },
    );
    await screenshot('quiet');
  });

  it("shows a scenario's phases, probes and verdict from the runner's live journal", async () => {
    const probe = {
      kind: 'metric',
      name: 'p99 latency at 2 s or more',
      ok: true,
      value: '2.05 s',
      expected: '2 … 2.5 s',
    };
    const journal = {
      scenario: {
        id: 1,
        slug: 'latency',
        title: 'Latency',
        hypothesis: 'Clients wait 2 s.',
        faults: { latency_ms: 2000 },
      },
      profile: 'fast',
      startedAt: new Date().toISOString(),
      seconds: 0,
      verdict: 'fail',
      phases: [{ phase: 'detect', ok: false, startedAt: 1, seconds: 3, probes: [{ ...probe, ok: false }] }],
      signal: { name: 'p99 latency', unit: 's', points: [], marks: [] },
    } as unknown as Journal;
    writeLiveJournal(journal, path.join(dir, 'reports'), true);
    const verdict = page.locator('#scenario-body [data-verdict]');
    await pollUntil(
      'the running scenario on the page',
      () => verdict.getAttribute('data-verdict'),
      (v) => v === 'running',
    );
    expect(await page.locator('#scenario-body').innerText()).to.contain('✘ p99 latency at 2 s or more: 2.05 s');
    journal.phases[0] = { ...journal.phases[0], ok: true, probes: [probe] } as Journal['phases'][number];
    writeLiveJournal({ ...journal, verdict: 'pass' }, path.join(dir, 'reports'), false);
    await pollUntil(
      'the verdict on the page',
      () => verdict.getAttribute('data-verdict'),
      (v) => v === 'pass',
    );
    expect(await page.locator('#scenario-body').innerText()).to.contain('✔ p99 latency at 2 s or more');
  });

  it('has no serious or critical accessibility violation (axe-core), in large type too', async () => {
    await page.addScriptTag({ path: AXE });
    for (const large of [false, true]) {
      await page.getByLabel('Large type (projector)').setChecked(large);
      const violations = await page.evaluate<
        {
          id: string;
          impact: string;
          help: string;
        }[]
      >('axe.run().then((r) => r.violations)');
      expect(
        violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help}`),
      ).to.deep.equal([]);
    }
  });
});
