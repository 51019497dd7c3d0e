import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { liveJournalFile } from '../../scenarios/lib/report';
import { dashboardQueries } from '../../monitoring/grafana/queries';
import { PROFILES } from '../../scenarios/lib/profiles';
import { CASES } from '../../scenarios/cases';
import { q } from '../../scenarios/lib/queries';
import { FaultClient } from '../../kit/faults';
import { runScenario, type Journal } from '../../scenarios/lib/runner';
import type { Scenario } from '../../scenarios/lib/scenario';
import { runCases } from '../../scenarios/lib/session';
import type { Stack } from '../../stack/stack';
import { failedProbes, startSourceStack, suiteDir } from '../support/native-stack';
import { describeAblations } from './ablation';
import { describeInterruptedRuns } from './interrupted';

/** Ports of the stacks this file starts (kept clear of `make up`'s defaults and of test/stack/). */
const PORTS = {
  api: 18500,
  prometheus: 18590,
  alertmanager: 18593,
  postgres: 18532,
  postgresExporter: 18587,
  alertSink: 18599,
  risk: 18510,
  controlRoom: 18598,
};

/**
 * The default leak cap: at 20 MB/s the leak grows for about 26 s, long enough for FintechMemoryLeak
 * (a 30 s slope, `for: 10s`) to fire on consecutive polls; with 256 MB it fired for a poll or two at most.
 */
const LEAK_CAP_MB = 512;
const CASE_IDS = Object.keys(CASES).map(Number);

function start(
  stateDir: string,
  apiEnv: Record<string, string>,
  offset = 0,
  profile: 'fast' | 'workshop' = 'fast',
): Promise<Stack> {
  const ports = Object.fromEntries(Object.entries(PORTS).map(([k, v]) => [k, v + offset])) as typeof PORTS;
  return startSourceStack(stateDir, ports, apiEnv, profile);
}

describe('the workshop, end to end on the native stack (fast profile)', function () {
  this.timeout(10 * 60_000);
  const runStarted = Math.floor(Date.now() / 1000);
  let dir: string;
  let stack: Stack;
  let journals: Journal[] = [];
  let totalSeconds = 0;

  before(async () => {
    dir = suiteDir('fintech-e2e-');
    stack = await start(path.join(dir, 'stack'), { MEMORY_LEAK_CAP_MB: String(LEAK_CAP_MB) });
    const started = Date.now();
    journals = await runCases(CASE_IDS, {
      apiUrl: stack.urls.api,
      riskUrl: stack.urls.risk,
      prometheusUrl: stack.urls.prometheus,
      alertmanagerUrl: stack.urls.alertmanager,
      profile: PROFILES.fast,
      reportsDir: path.join(dir, 'reports'),
      log: (line) => process.stdout.write(`      ${line.replaceAll('\n', '\n      ')}\n`),
    });
    totalSeconds = (Date.now() - started) / 1000;
  });

  after(async () => {
    await stack?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  for (const [id, title, seconds] of [
    [1, 'latency', 90],
    [2, 'error rate', 90],
    [3, 'slow database', 90],
    [4, 'memory leak', 90],
    [5, 'combined chaos', 90],
    // two halves, each with its own detection
    [7, 'slow dependency', 150],
    [8, 'retry storm', 150],
  ] as const) {
    it(`scenario ${id} (${title}) passes within ${seconds} s`, () => {
      const j = journals.find((x) => x.scenario.id === id);
      expect(j, `scenario ${id} ran`).to.not.equal(undefined);
      const failed = failedProbes(j);
      expect(failed, 'failed probes').to.deep.equal([]);
      expect(j?.verdict).to.equal('pass');
      expect(j?.seconds).to.be.below(seconds);
    });
  }

  it('runs all seven scenarios within 10 minutes', () => {
    expect(journals).to.have.length(CASE_IDS.length);
    expect(totalSeconds).to.be.below(10 * 60);
  });

  it('writes a JSON journal and a Markdown report per scenario, and the live journal the control room shows', () => {
    const reports = path.join(dir, 'reports');
    const files = fs.readdirSync(reports).map((f) => path.join(reports, f));
    const live = liveJournalFile(reports);
    expect(files, 'the live journal').to.include(live);
    expect(files.filter((f) => f.endsWith('.json') && f !== live)).to.have.length(CASE_IDS.length);
    expect(files.filter((f) => f.endsWith('.md'))).to.have.length(CASE_IDS.length);
  });

  it('delivered the firing alerts through Alertmanager to the alert sink', async () => {
    const res = await fetch(new URL('/alerts?status=firing', stack.urls.alertSink));
    expect(res.status).to.equal(200);
    const received = (await res.json()) as { labels: { alertname: string } }[];
    const names = new Set(received.map((a) => a.labels.alertname));
    for (const alert of [
      'FintechHighLatencyP99',
      'FintechHighErrorRatio',
      'FintechSlowDatabaseTransactions',
      'FintechMemoryLeak',
      'FintechChaosFaultActive',
      'FintechDependencySlow',
      'FintechDependencyRetryRatio',
    ]) {
      expect([...names], alert).to.include(alert);
    }
  });

  it('every Grafana panel and annotation query returns data from the real Prometheus', async () => {
    const queries = dashboardQueries();
    expect(queries.length).to.be.greaterThan(20);
    const end = Math.floor(Date.now() / 1000);
    const empty: string[] = [];
    for (const { dashboard, panel, expr } of queries) {
      const url = `${stack.urls.prometheus}/api/v1/query_range?query=${encodeURIComponent(expr)}&start=${runStarted}&end=${end}&step=5`;
      const body = (await (await fetch(url)).json()) as {
        status: string;
        error?: string;
        data?: { result: { values: [number, string][] }[] };
      };
      const hasData =
        body.status === 'success' && (body.data?.result ?? []).some((s) => s.values.some(([, v]) => v !== 'NaN'));
      if (!hasData) empty.push(`${dashboard} / ${panel}: ${body.error ?? 'no data'} — ${expr}`);
    }
    expect(empty, 'panels without data').to.deep.equal([]);
  });

  it('aborts a run whose guard fails, and still rolls back', async () => {
    const guarded: Scenario = {
      ...CASES[1]!(PROFILES.fast, {}),
      guards: [
        {
          kind: 'metric',
          name: 'no latency fault',
          expr: q.faultActive('latency'),
          unit: 'count',
          tolerance: { kind: 'range', max: 0 },
        },
      ],
    };
    const journal = await runScenario(guarded, {
      apiUrl: stack.urls.api,
      prometheusUrl: stack.urls.prometheus,
      alertmanagerUrl: stack.urls.alertmanager,
      profile: PROFILES.fast,
    });
    expect(journal.verdict).to.equal('fail');
    expect(journal.aborted).to.match(/^guard "no latency fault" failed/);
    expect(journal.phases.find((p) => p.phase === 'rollback')?.ok).to.equal(true);
    expect((await new FaultClient(stack.urls.api).view()).current_config.latency_ms).to.equal(0);
  });

  describeAblations(() => stack, LEAK_CAP_MB * 1024 * 1024);

  // Last on the shared stack: the killed run leaves its fault on until it expires.
  describeInterruptedRuns(
    () => stack,
    () => path.join(dir, 'reports-interrupted'),
  );

  describe('against an API whose fault injection is disabled', () => {
    let disabled: Stack;
    let journal: Journal | undefined;
    before(async () => {
      await stack.stop();
      disabled = await start(path.join(dir, 'disabled'), { CHAOS_ENABLED: 'false' }, 20);
      const profile = { ...PROFILES.fast, detectDeadlineSeconds: 20, recoveryDeadlineSeconds: 15 };
      [journal] = await runCases([2], {
        apiUrl: disabled.urls.api,
        prometheusUrl: disabled.urls.prometheus,
        alertmanagerUrl: disabled.urls.alertmanager,
        profile,
        log: () => {},
      });
    });
    after(async () => disabled?.stop());

    it('fails scenario 2: the injection is refused and the expected error ratio and alert never appear', () => {
      expect(journal?.verdict).to.equal('fail');
      const inject = journal?.phases.find((p) => p.phase === 'inject');
      expect(inject?.probes[0]?.value).to.equal('HTTP 403');
      const detect = journal?.phases.find((p) => p.phase === 'detect');
      expect(detect?.ok).to.equal(false);
      expect(detect?.probes.map((p) => [p.name, p.ok])).to.deep.equal([
        ['share of HTTP 500 answers at the injected 30%', false],
        ['FintechHighErrorRatio fires', false],
      ]);
    });
  });

  describe('on the workshop profile (5 s scrape, what participants run)', () => {
    let workshop: Stack;
    let journal: Journal | undefined;
    before(async () => {
      workshop = await start(path.join(dir, 'workshop'), {}, 40, 'workshop');
      [journal] = await runCases([2], {
        apiUrl: workshop.urls.api,
        prometheusUrl: workshop.urls.prometheus,
        alertmanagerUrl: workshop.urls.alertmanager,
        log: (line) => process.stdout.write(`      ${line.replaceAll('\n', '\n      ')}\n`),
      });
    });
    after(async () => workshop?.stop());

    it('picks the workshop profile from the 5 s scrape interval and passes scenario 2 (error rate)', () => {
      expect(journal?.profile).to.equal('workshop');
      const failed = failedProbes(journal);
      expect(failed, 'failed probes').to.deep.equal([]);
      expect(journal?.verdict).to.equal('pass');
    });
  });
});
