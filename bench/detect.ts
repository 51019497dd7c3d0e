import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { projectRoot } from '../app/paths';
import { PROMETHEUS_CONFIGS } from '../stack/components';
import { startStack, stopStack } from '../stack/stack';
import { FaultClient, succeeded, type FaultChange } from '../kit/faults';
import { startLoad } from '../kit/load';
import type { LoadSpec } from '../scenarios/lib/scenario';
import { freePort } from '../kit/ports';
import { PrometheusClient } from '../kit/prometheus';
import { waitUntil, WaitError } from '../kit/wait';
import { CASES } from '../scenarios/cases';
import { PROFILES } from '../scenarios/lib/profiles';
import { readAlertFloors, type AlertFloor } from './alert-floor';
import type { BenchContext } from './context';
import { toolVersion } from './environment';
import { figure, SECTION_TITLES, type Figure, type SectionResult } from './results';

/** A workshop case as the benchmark times it: the faults a facilitator sets, and the alerts the case expects to fire. */
interface Case {
  name: string;
  faults: FaultChange;
  /** Whose fault API takes the faults (cases 7 and 8 break the risk service). */
  target: 'api' | 'risk';
  /** The API's policies while the faults are on: a case in halves is timed in its first half. */
  policies: Record<string, unknown> | undefined;
  alerts: string[];
  /** The case's own traffic, alone, as `make scenario-N` runs it (a leak's rate is per request). */
  load: LoadSpec;
}

/** The cases of scenarios/cases (fast profile, as the stack runs), each with the alerts its (first half's) expectations name. */
function workshopCase(id: number): Case {
  const factory = CASES[id];
  if (!factory) throw new Error(`no workshop case ${id}`);
  const s = factory(PROFILES.fast, {});
  const first = s.halves?.[0];
  const alerts = (first?.expectations ?? s.expectations).flatMap((p) =>
    p.kind === 'alert' && p.firing ? [p.alert] : [],
  );
  return {
    name: `case ${s.id} ${s.slug}: ${JSON.stringify(s.faults)}${s.target === 'risk' ? ' on the risk service' : ''}`,
    faults: s.faults,
    target: s.target ?? 'api',
    policies: first?.policies,
    alerts: [...new Set(alerts)],
    load: s.load,
  };
}

/**
 * Cases 1-5, 7 and 8: those that run on the single-process stack (case 6 needs three API replicas behind
 * HAProxy). The combined case (5) and the dependency cases (7, 8) run once, the others `runs` times.
 */
const ONCE = [5, 7, 8].map(workshopCase);
const REPEATED = [4, 2, 1, 3].map(workshopCase);
const ALL_CASES = [...ONCE, ...REPEATED];

function schedule(runs: number): { run: number; c: Case }[] {
  return [
    ...ONCE.map((c) => ({ run: 0, c })),
    ...Array.from({ length: runs }, (_, run) => REPEATED.map((c) => ({ run, c }))).flat(),
  ];
}

/** Fires on the fault flag alone: measures the pipeline (scrape, evaluation, API) with no `for:`. */
const FLAG_ALERT = 'FintechChaosFaultActive';
/**
 * The longest window the alert rules read. Before each injection the case's own load runs alone at
 * least this long after the previous reset, so no window still holds the previous case's traffic
 * (errors or slow requests left there would make the next alert fire early).
 */
const RULE_WINDOW_SECONDS = 30;
/** How long a case may take beyond its floor before it counts as not detected. */
const GRACE_SECONDS = 60;
/** How long to wait for the previous case's alerts to resolve. */
const SETTLE_SECONDS = 120;

/** Part 5: seconds from injecting each workshop fault to its alert firing in Prometheus, against the floor. */
export async function measureDetection(ctx: BenchContext): Promise<Omit<SectionResult, 'seconds'>> {
  const { progress, settings } = ctx;
  const configFile = path.join(projectRoot(), 'monitoring', 'prometheus', PROMETHEUS_CONFIGS.fast);
  const floors = readAlertFloors(configFile);
  const missing = [...ALL_CASES.flatMap((c) => c.alerts), FLAG_ALERT].filter((a) => !floors.has(a));
  if (missing.length > 0)
    throw new Error(`alerts not found in the rule files of ${PROMETHEUS_CONFIGS.fast}: ${missing.join(', ')}`);

  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fintech-bench-stack-'));
  const removeState = async () => {
    await stopStack(stateDir);
    fs.rmSync(stateDir, { recursive: true, force: true });
  };
  ctx.defer(removeState);
  const ports = await distinctFreePorts(8);
  progress(`starting the native stack, fast profile, ports ${ports.join(', ')}`);
  const stack = await startStack({
    stateDir,
    profile: 'fast',
    ports: {
      api: ports[0],
      prometheus: ports[1],
      alertmanager: ports[2],
      postgres: ports[3],
      postgresExporter: ports[4],
      alertSink: ports[5],
      risk: ports[6],
      controlRoom: ports[7],
    },
    apiEnv: { LOG_LEVEL: 'info' },
    onProgress: (line) => progress(`  ${line}`),
    signal: ctx.signal,
  });
  ctx.environment.tools.Prometheus = toolVersion('prometheus') ?? 'unknown';
  const prometheus = new PrometheusClient(stack.urls.prometheus);
  const clients = { api: new FaultClient(stack.urls.api), risk: new FaultClient(stack.urls.risk) };
  let lastReset = Date.now();
  try {
    const detected = new Map<string, number[]>(ALL_CASES.map((c) => [c.name, []]));
    const pending = new Map<string, number[]>(ALL_CASES.map((c) => [c.name, []]));
    const perAlert = new Map<string, number[]>();
    const flag: number[] = [];
    const misses: string[] = [];
    const plan = schedule(settings.runs);
    for (const { run, c } of plan) {
      const m = await measureCase(stack.urls.api, prometheus, clients, c, floors, lastReset, ctx.signal);
      lastReset = m.resetAt;
      const last = (times: Map<string, number>) =>
        c.alerts.every((a) => times.has(a)) ? Math.max(...c.alerts.map((a) => times.get(a) as number)) : NaN;
      detected.get(c.name)?.push(last(m.firedAt));
      pending.get(c.name)?.push(last(m.activeAt));
      if (c.alerts.length > 1)
        for (const a of c.alerts)
          perAlert.set(`${c.name} ${a}`, [...(perAlert.get(`${c.name} ${a}`) ?? []), m.firedAt.get(a) ?? NaN]);
      if (m.firedAt.has(FLAG_ALERT)) flag.push(m.firedAt.get(FLAG_ALERT) as number);
      const label = `run ${run + 1}/${ONCE.includes(c) ? 1 : settings.runs}`;
      if (Number.isNaN(last(m.firedAt)))
        misses.push(
          `${label}, ${c.name}: ${c.alerts.filter((a) => !m.firedAt.has(a)).join(', ')} did not fire within floor + ${GRACE_SECONDS} s`,
        );
      progress(
        `${label} ${c.name.padEnd(50)} ${Number.isNaN(last(m.firedAt)) ? 'NOT DETECTED' : `${last(m.firedAt).toFixed(1)} s`} ` +
          `(floor ${caseFloor(floors, c)} s; pending after ${last(m.activeAt).toFixed(1)} s; ${FLAG_ALERT} ${m.firedAt.get(FLAG_ALERT)?.toFixed(1) ?? '-'} s; ` +
          `waited ${m.settleSeconds.toFixed(0)} s${m.blockedBy.size > 0 ? ` for ${[...m.blockedBy].join(', ')}` : ''} to clear)`,
      );
    }

    const figures: Figure[] = [];
    for (const c of [...REPEATED, ...ONCE]) {
      const floor = caseFloor(floors, c);
      const values = detected.get(c.name) ?? [];
      figures.push(
        figure(`${c.name} → ${c.alerts.join(' + ')}`, 's', values, 1, {
          text: `floor ${floor} s`,
          met: values.every((v) => Number.isFinite(v)),
        }),
      );
      figures.push(figure('  ↳ expression true (alert pending) after', 's', pending.get(c.name) ?? [], 1));
      if (c.alerts.length > 1) {
        for (const a of c.alerts) figures.push(figure(`  ↳ ${a} alone`, 's', perAlert.get(`${c.name} ${a}`) ?? [], 1));
      }
    }
    const flagFloor = floorOf(floors, FLAG_ALERT).floorSeconds;
    figures.push(
      figure(`any fault → ${FLAG_ALERT} (for: 0s), all cases`, 's', flag, 1, {
        text: `floor ${flagFloor} s`,
        met: flag.length === plan.length,
      }),
    );
    const sample = floorOf(floors, FLAG_ALERT);
    return {
      id: 'detect',
      title: SECTION_TITLES.detect,
      setup:
        `The native stack (stack/) in its fast profile (scrape ${sample.scrapeSeconds} s, evaluation ${sample.evaluationSeconds} s) on free ports in a temp directory, ` +
        `each workshop case (scenarios/cases; not case 6, which needs three replicas) under its own load alone, which runs for at least ${RULE_WINDOW_SECONDS} s after the previous case's reset before the injection (so the rule windows hold only healthy traffic). Seconds from POST /api/failures answering to the alert ` +
        `reading "firing" in Prometheus's /api/v1/alerts (polled every 200 ms), ${settings.runs} run(s) per single-fault case and one of cases 5, 7 and 8; a case in halves is timed in its first half. ` +
        'Floor = scrape interval + evaluation interval + the alert\'s `for:` (from the rule files); "met" means it fired in every run.',
      figures,
      notes: [
        `Cases 5, 7 and 8 run once: each run of a case costs at least ${RULE_WINDOW_SECONDS} s of steady load before it.`,
        'The floor is the time to firing if the expression turned true with the first scrape after the injection; a lucky phase of scrape and evaluation can beat it by up to their sum.',
        'Time above the floor is the expression itself: rate() needs two samples after the change, the 30 s branches read recording rules (one more evaluation each), and a window (10 s or 30 s) must hold enough faulty traffic to cross the threshold. "expression true after" shows that part (Prometheus\'s activeAt).',
        ...misses,
      ],
    };
  } finally {
    progress('stopping the stack');
    await removeState();
  }
}

/**
 * One case: start its load, wait until its alerts are inactive and the load has run alone for the
 * longest rule window since the previous reset, inject, poll Prometheus until every expected alert
 * fires or floor + grace passes, reset (always). Times are seconds after POST /api/failures answered.
 */
async function measureCase(
  apiUrl: string,
  prometheus: PrometheusClient,
  clients: Record<Case['target'], FaultClient>,
  c: Case,
  floors: Map<string, AlertFloor>,
  lastReset: number,
  signal: AbortSignal,
): Promise<{
  firedAt: Map<string, number>;
  activeAt: Map<string, number>;
  settleSeconds: number;
  blockedBy: Set<string>;
  resetAt: number;
}> {
  const watched = new Set([...c.alerts, FLAG_ALERT]);
  const floor = caseFloor(floors, c);
  const api = clients.api;
  const faults = clients[c.target];
  if (c.policies) succeeded(await api.setPolicies(c.policies), 'POST /api/policies');
  const caseLoad = startLoad({
    url: apiUrl,
    ...c.load,
    seconds: SETTLE_SECONDS + floor + GRACE_SECONDS + 60,
    signal,
  });
  const settling = Date.now();
  const blockedBy = new Set<string>();
  const firedAt = new Map<string, number>();
  const activeAt = new Map<string, number>();
  try {
    await waitUntil(
      `${[...watched].join(', ')} to be inactive and ${RULE_WINDOW_SECONDS} s of "${c.name}"'s load before it`,
      async () => {
        const active = (await prometheus.alerts()).filter((a) => watched.has(a.name));
        for (const a of active) blockedBy.add(`${a.name} ${a.state}`);
        return active.length === 0 && Date.now() - lastReset >= RULE_WINDOW_SECONDS * 1000;
      },
      { timeoutMs: SETTLE_SECONDS * 1000, intervalMs: 250, signal },
    );
    const settleSeconds = (Date.now() - settling) / 1000;
    succeeded(await faults.inject(c.faults, floor + GRACE_SECONDS + 60), 'POST /api/failures');
    const injected = Date.now();
    await waitUntil(
      `${c.alerts.join(', ')} firing after "${c.name}"`,
      async () => {
        for (const a of await prometheus.alerts()) {
          if (a.state !== 'firing' || !watched.has(a.name) || firedAt.has(a.name)) continue;
          firedAt.set(a.name, (Date.now() - injected) / 1000);
          activeAt.set(a.name, (a.activeAtMs - injected) / 1000);
        }
        return c.alerts.every((a) => firedAt.has(a));
      },
      { timeoutMs: (floor + GRACE_SECONDS) * 1000, signal },
    ).catch((err: unknown) => {
      // Not detected in time is a result (NaN in the figures), not a failure of the benchmark.
      if (!(err instanceof WaitError && err.kind === 'timeout')) throw err;
    });
    return { firedAt, activeAt, settleSeconds, blockedBy, resetAt: Date.now() };
  } finally {
    succeeded(await faults.reset(), 'POST /api/reset');
    if (c.policies) succeeded(await api.setPolicies(), 'POST /api/policies/reset');
    await caseLoad.stop().catch(() => undefined);
  }
}

/** A case is detected when its last alert fires: its floor is the largest of theirs. */
function caseFloor(floors: Map<string, AlertFloor>, c: Case): number {
  return Math.max(...c.alerts.map((a) => floorOf(floors, a).floorSeconds));
}

function floorOf(floors: Map<string, AlertFloor>, alert: string): AlertFloor {
  const floor = floors.get(alert);
  if (!floor) throw new Error(`no rule for ${alert}`);
  return floor;
}

async function distinctFreePorts(n: 8): Promise<[number, number, number, number, number, number, number, number]> {
  const ports = new Set<number>();
  while (ports.size < n) ports.add(await freePort());
  return [...ports] as [number, number, number, number, number, number, number, number];
}
