import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { latency } from '../../app/faults/latency';
import { startLoad, type RunningLoad } from '../../kit/load';
import { waitUntil } from '../../kit/wait';
import { PROFILES } from '../../scenarios/lib/profiles';
import { writeLiveJournal } from '../../scenarios/lib/report';
import type { Journal } from '../../scenarios/lib/runner';
import type { Ports } from '../../stack/options';
import type { Stack } from '../../stack/stack';
import { launchChromium } from '../support/browser';
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
/** Case 1 on the fast profile the stack runs: the time the scenario gives the alert to fire. */
const CASE_DEADLINE_MS = PROFILES.fast.detectDeadlineSeconds * 1000;
/** `make screenshots` sets this: the suite then saves the page in its main states there. */
const SCREENSHOTS_DIR = process.env['SCREENSHOTS_DIR'];
const AXE = require.resolve('axe-core/axe.min.js');

describe('The control room in Chromium, against a native stack with CHAOS_TOKEN set', function () {
  this.timeout(4 * 60_000);
  let dir: string;
  let stack: Stack;
  let browser: Browser;
  let page: Page;
  let load: RunningLoad | undefined;
  let reportsBefore: string | undefined;

  const faults = async (): Promise<{ current_config: Record<string, unknown>; faults: unknown; version: number }> => {
    const res = await fetch(`${stack.urls.api}/api/failures`, { headers: { authorization: `Bearer ${TOKEN}` } });
    return (await res.json()) as { current_config: Record<string, unknown>; faults: unknown; version: number };
  };
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
  const message = () => page.locator('#message').innerText();
  const screenshot = async (name: string) => {
    if (SCREENSHOTS_DIR === undefined) return;
    fs.mkdirSync(SCREENSHOTS_DIR, { recursive: true });
    await page.screenshot({ path: path.join(SCREENSHOTS_DIR, `control-room-${name}.png`), fullPage: true });
  };

  before(async function () {
    this.timeout(3 * 60_000);
    dir = suiteDir('control-room-');
    // the stack's control room reads the live journal from REPORTS_DIR, as after `make scenario-N`
    reportsBefore = process.env['REPORTS_DIR'];
    process.env['REPORTS_DIR'] = path.join(dir, 'reports');
    stack = await startSourceStack(dir, PORTS, { CHAOS_TOKEN: TOKEN });
    load = startLoad({
      url: stack.urls.api,
      requests: [{ method: 'GET', path: '/api/balance' }],
      connections: 10,
      overallRate: 20,
      seconds: 200,
    });
    browser = await launchChromium();
    // axe-core is injected as a script: the page's CSP (script-src 'self') would refuse it
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 }, bypassCSP: true });
    page = await context.newPage();
    await page.goto(stack.urls.controlRoom);
    await page.waitForSelector('body[data-ready="true"]');
  });

  after(async function () {
    this.timeout(60_000);
    await load?.stop();
    await browser?.close();
    await stack?.stop();
    if (reportsBefore === undefined) delete process.env['REPORTS_DIR'];
    else process.env['REPORTS_DIR'] = reportsBefore;
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('builds the fault form from the API schema: every setting with its range, plus routes and duration_s', async () => {
    const fields = await page.$$eval('#fields .field label', (labels) => labels.map((l) => l.textContent));
    expect(fields).to.include.members([
      'latency_ms',
      'error_rate',
      'db_slow',
      'memory_leak_mb',
      'routes',
      'duration_s',
    ]);
    expect(await page.locator('#field-error_rate-hint').innerText()).to.contain('0–100');
    expect(await page.locator('#field-latency_ms-hint').innerText()).to.contain(
      latency.settings.latency_ms.description,
    );
  });

  it('refuses every change until the token is given, then keeps the token in sessionStorage only', async () => {
    expect(await page.locator('#token-form').isVisible()).to.equal(true);
    await page.getByRole('button', { name: /1 · Latency/ }).click();
    await page.getByRole('button', { name: 'Apply' }).click();
    await pollUntil('the refusal on the page', message, (m) => m.includes('UNAUTHORIZED'));
    expect((await faults()).current_config['latency_ms']).to.equal(0);

    await page.getByLabel('Chaos token').fill(TOKEN);
    await page.getByRole('button', { name: 'Use this token' }).click();
    await pollUntil('the token accepted', message, (m) => m.includes('Token accepted'));
    // a string: the test is compiled without the DOM types the page's globals belong to
    const storage = await page.evaluate<{ session: string | null; local: string; cookie: string }>(
      `({ session: sessionStorage.getItem('chaos-token'), local: JSON.stringify(localStorage), cookie: document.cookie })`,
    );
    expect(storage.session).to.equal(TOKEN);
    expect(storage.local).not.to.contain(TOKEN);
    expect(storage.cookie).not.to.contain(TOKEN);
  });

  it('shows the API’s own message for error_rate 150 and changes nothing', async () => {
    // the state, not the store's report (its seen_at is the time of each read)
    const state = async () => {
      const { current_config, faults: view, version } = await faults();
      return { current_config, view, version };
    };
    const before = await state();
    await page.getByLabel('error_rate', { exact: true }).fill('150');
    await page.getByRole('button', { name: 'Apply' }).click();
    const text = await pollUntil('the refusal on the page', message, (m) => m.includes('VALIDATION_FAILED'));
    expect(text)
      .to.contain('The request is invalid.')
      .and.to.match(/error_rate: .*100/);
    await screenshot('refused');
    expect(await state()).to.deep.equal(before);
    await page.getByLabel('error_rate', { exact: true }).fill('');
  });

  it('injects 2000 ms from the form: p99 crosses 1 s and FintechHighLatencyP99 shows within case 1’s time', async () => {
    const started = Date.now();
    await page.getByRole('button', { name: /1 · Latency/ }).click();
    expect(await page.getByLabel('latency_ms', { exact: true }).inputValue()).to.equal('2000');
    await page.getByRole('button', { name: 'Apply' }).click();
    await pollUntil('the applied message', message, (m) => m.includes('Applied'));
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
    await page.getByRole('button', { name: 'Reset every fault' }).click();
    await pollUntil('the reset message', message, (m) => m.includes('Every fault is off'));
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
