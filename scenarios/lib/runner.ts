import { setTimeout as sleep } from 'node:timers/promises';
import { FaultsApi } from './faults-api';
import { startLoad, type LoadTotals, type RunningLoad } from './load';
import { evaluate, formatValue, type Probe, type ProbeContext, type ProbeResult } from './probes';
import { PhaseVerdicts, type FaultWindow } from './verdicts';
import { AlertmanagerClient, PrometheusClient } from './prometheus';
import type { Profile } from './profiles';
import type { Scenario } from './scenario';
import type { Point } from './chart';
import { q } from './queries';
import { en, type Messages } from './lang/en';

export interface RunnerOptions {
  apiUrl: string;
  /** The risk service, for cases that inject into it (default http://127.0.0.1:5001). */
  riskUrl?: string;
  prometheusUrl: string;
  alertmanagerUrl: string;
  profile: Profile;
  chaosToken?: string;
  /** Receives progress lines. */
  log?: (line: string) => void;
  /** Aborting (e.g. Ctrl-C) stops the run; the rollback still happens. */
  signal?: AbortSignal;
  /** The language of the progress lines (default English); the journal itself is the same in every language. */
  messages?: Messages;
}

export type Phase = 'preflight' | 'steady-state' | 'inject' | 'detect' | 'rollback' | 'recovery';

export interface PhaseRecord {
  phase: Phase;
  ok: boolean;
  startedAt: number;
  seconds: number;
  probes: (ProbeResult & { heldAt?: number })[];
  note?: string;
}

/** Everything a run did and saw: written as JSON and Markdown under reports/. */
export interface Journal {
  scenario: { id: number; slug: string; title: string; hypothesis: string; faults: Record<string, unknown> };
  profile: string;
  startedAt: string;
  seconds: number;
  verdict: 'pass' | 'fail';
  aborted?: string;
  phases: PhaseRecord[];
  load?: LoadTotals;
  signal: { name: string; unit: string; points: Point[]; marks: { t: number; label: string }[] };
}

class Aborted extends Error {}

/** Runs one scenario end to end. Never throws for an unmet expectation: the journal says fail. */
export async function runScenario(scenario: Scenario, options: RunnerOptions): Promise<Journal> {
  const log = options.log ?? (() => {});
  const prometheus = new PrometheusClient(options.prometheusUrl);
  const alertmanager = new AlertmanagerClient(options.alertmanagerUrl);
  const api = new FaultsApi(options.apiUrl, options.chaosToken);
  const riskUrl = options.riskUrl ?? 'http://127.0.0.1:5001';
  const faults = scenario.target === 'risk' ? new FaultsApi(riskUrl, options.chaosToken) : api;
  const halves = scenario.halves ?? [];
  let load: RunningLoad | undefined;
  const ctx: ProbeContext = {
    prometheus,
    alertmanager,
    apiUrl: options.apiUrl,
    responses: (from, to) => load?.responses(from, to) ?? [],
  };
  const started = Date.now();
  const elapsed = () => (Date.now() - started) / 1000;
  const journal: Journal = {
    scenario: {
      id: scenario.id,
      slug: scenario.slug,
      title: scenario.title,
      hypothesis: scenario.hypothesis,
      faults: scenario.faults,
    },
    profile: options.profile.name,
    startedAt: new Date(started).toISOString(),
    seconds: 0,
    verdict: 'fail',
    phases: [],
    signal: { name: scenario.mainSignal.name, unit: scenario.mainSignal.unit, points: [], marks: [] },
  };
  const m = options.messages ?? en;
  const phaseWidth = Math.max(...Object.values(m.phases).map((p) => p.length));
  const say = (phase: Phase, text: string) =>
    log(`[${elapsed().toFixed(1).padStart(5)}s] ${m.phases[phase].padEnd(phaseWidth)} ${text}`);
  const result = (r: ProbeResult) =>
    `${r.ok ? '✔' : '✘'} ${m.text(r.name)}: ${m.expected(m.value(r.value), m.value(r.expected))}`;

  const sampleSignal = async () => {
    const v = await prometheus.value(scenario.mainSignal.expr).catch(() => undefined);
    journal.signal.points.push({ t: elapsed(), v });
    return v;
  };

  const checkAbort = () => {
    if (options.signal?.aborted) throw new Aborted('interrupted');
  };

  /**
   * Polls a phase's probes until every one holds (level probes on consecutive polls, window probes
   * judged once over the window), a window probe fails, or the deadline passes; guards every round.
   */
  const pollPhase = async (
    phase: Phase,
    probes: Probe[],
    deadlineSeconds: number,
    window?: FaultWindow,
  ): Promise<PhaseRecord> => {
    const record: PhaseRecord = { phase, ok: false, startedAt: elapsed(), seconds: 0, probes: [] };
    journal.phases.push(record);
    const deadline = Date.now() + deadlineSeconds * 1000;
    const verdicts = new PhaseVerdicts(
      probes,
      options.profile.consecutivePolls,
      window ?? { fromMs: Date.now(), closesAtMs: Date.now() },
    );
    let lastLine = '';
    while (true) {
      checkAbort();
      const atDeadline = Date.now() >= deadline;
      for (const r of await verdicts.poll(ctx, elapsed() - record.startedAt, atDeadline, elapsed())) {
        say(phase, result(r));
      }
      const signalValue = await sampleSignal();
      const guardResults = await Promise.all(scenario.guards.map((g) => evaluate(g, ctx)));
      const broken = guardResults.find((g) => !g.ok);
      if (broken) throw new Aborted(`guard "${broken.name}" failed: ${broken.value} (limit ${broken.expected})`);
      const line = m.signalLine(
        m.text(scenario.mainSignal.name),
        formatValue(signalValue, scenario.mainSignal.unit),
        verdicts.heldCount,
        probes.length,
      );
      if (line !== lastLine) say(phase, line);
      lastLine = line;
      if (verdicts.allHeld || verdicts.lost || atDeadline) break;
      await sleep(options.profile.pollMs);
    }
    record.probes = verdicts.results();
    record.ok = verdicts.allHeld;
    record.seconds = elapsed() - record.startedAt;
    for (const r of record.probes.filter((x) => !verdicts.isSettled(x.name))) say(phase, result(r));
    return record;
  };

  let injected = false;
  const onAbort = () => log(m.interrupted);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    // 1. Preflight: everything reachable, the API scraped.
    const pre: PhaseRecord = { phase: 'preflight', ok: false, startedAt: 0, seconds: 0, probes: [] };
    journal.phases.push(pre);
    pre.probes = await preflight(ctx, options, scenario.target === 'risk' ? riskUrl : undefined);
    pre.ok = pre.probes.every((p) => p.ok);
    pre.seconds = elapsed();
    for (const p of pre.probes) say('preflight', `${p.ok ? '✔' : '✘'} ${m.text(p.name)}: ${m.value(p.value)}`);
    if (!pre.ok) {
      pre.note = `not reachable: ${pre.probes
        .filter((p) => !p.ok)
        .map((p) => p.name)
        .join(', ')}`;
      return journal;
    }

    // 2. Reset and steady state under baseline load.
    await faults.reset();
    if (halves.length > 0) await api.resetPolicies();
    const maxSeconds = Math.ceil(
      options.profile.baselineSeconds +
        options.profile.steadyDeadlineSeconds +
        options.profile.detectDeadlineSeconds * Math.max(1, halves.length) +
        options.profile.holdSeconds +
        options.profile.recoveryDeadlineSeconds +
        10,
    );
    load = startLoad(options.apiUrl, scenario.load, maxSeconds);
    say('steady-state', m.load(scenario.load.connections, scenario.load.overallRate, options.profile.baselineSeconds));
    const baselineEnd = Date.now() + options.profile.baselineSeconds * 1000;
    while (Date.now() < baselineEnd) {
      checkAbort();
      await sampleSignal();
      await sleep(Math.min(options.profile.pollMs, Math.max(0, baselineEnd - Date.now())));
    }
    const steady = await pollPhase(
      'steady-state',
      [...scenario.steadyState, ...quietAlerts(scenario)],
      options.profile.steadyDeadlineSeconds,
    );
    if (!steady.ok) {
      steady.note = 'the steady-state hypothesis does not hold: nothing was injected';
      return journal;
    }

    // 3. Inject.
    const inject: PhaseRecord = { phase: 'inject', ok: false, startedAt: elapsed(), seconds: 0, probes: [] };
    journal.phases.push(inject);
    // The safety expiry: if this process dies without its rollback, the faults switch themselves off.
    const expiry = safetyExpirySeconds(options.profile, halves.length);
    const injectedAt = Date.now();
    const answer = await faults.inject({ ...scenario.faults, duration_s: expiry });
    injected = true;
    journal.signal.marks.push({ t: elapsed(), label: 'i' });
    inject.ok = answer.ok;
    inject.probes = [
      { name: 'POST /api/failures', ok: answer.ok, value: `HTTP ${answer.status}`, expected: 'HTTP 200' },
    ];
    say('inject', m.injected(JSON.stringify(scenario.faults), answer.status, expiry));
    // A refused injection is recorded and the run goes on: the detection phase then shows what did not happen.

    // 4. Detect: once, or once per half, each half under its own policies and in its own fault window.
    const windowAfter = (from: number): FaultWindow => {
      const fromMs = from + options.profile.settleSeconds * 1000;
      return { fromMs, closesAtMs: fromMs + options.profile.faultWindowSeconds * 1000 };
    };
    let detect: PhaseRecord | undefined;
    if (halves.length === 0) {
      detect = await pollPhase(
        'detect',
        scenario.expectations,
        options.profile.detectDeadlineSeconds,
        windowAfter(injectedAt),
      );
    }
    for (const half of halves) {
      const answer = await api.setPolicies(half.policies);
      const setAt = Date.now();
      journal.signal.marks.push({ t: elapsed(), label: 'p' });
      say('detect', m.half(m.text(half.name), JSON.stringify(half.policies), answer.status));
      detect = await pollPhase('detect', half.expectations, options.profile.detectDeadlineSeconds, windowAfter(setAt));
      detect.note = half.name;
      if (!answer.ok) {
        detect.ok = false;
        detect.note = `${half.name}: POST /api/policies -> HTTP ${answer.status}`;
      }
      // the verdict is lost already: the next half would only spend its deadline
      if (!detect.ok) break;
    }
    if (detect?.ok && options.profile.holdSeconds > 0) {
      say('detect', m.holding(options.profile.holdSeconds));
      const holdEnd = Date.now() + options.profile.holdSeconds * 1000;
      while (Date.now() < holdEnd) {
        checkAbort();
        await sampleSignal();
        await sleep(options.profile.pollMs);
      }
    }
  } catch (err) {
    journal.aborted = (err as Error).message;
    log(m.aborted(journal.aborted));
  } finally {
    // 5. Rollback: always, even on failure or Ctrl-C.
    options.signal?.removeEventListener('abort', onAbort);
    if (injected || journal.aborted) {
      const rb: PhaseRecord = { phase: 'rollback', ok: false, startedAt: elapsed(), seconds: 0, probes: [] };
      journal.phases.push(rb);
      const res = await faults.reset().catch((e: Error) => ({ ok: false, status: 0, error: e.message }));
      journal.signal.marks.push({ t: elapsed(), label: 'r' });
      rb.probes = [{ name: 'POST /api/reset', ok: res.ok, value: `HTTP ${res.status}`, expected: 'HTTP 200' }];
      if (halves.length > 0) {
        const policies = await api.resetPolicies().catch(() => ({ ok: false, status: 0 }));
        rb.probes.push({
          name: 'POST /api/policies/reset',
          ok: policies.ok,
          value: `HTTP ${policies.status}`,
          expected: 'HTTP 200',
        });
      }
      rb.ok = rb.probes.every((p) => p.ok);
      rb.seconds = elapsed() - rb.startedAt;
      say('rollback', `POST /api/reset -> HTTP ${res.status}`);
    }
  }

  try {
    // 6. Recovery, still under load (the signals need traffic to move back).
    if (injected && !options.signal?.aborted)
      await pollPhase('recovery', scenario.recovery, options.profile.recoveryDeadlineSeconds);
  } catch (err) {
    journal.aborted ??= (err as Error).message;
  } finally {
    journal.load = await load?.stop();
  }
  journal.seconds = elapsed();
  const required: Phase[] = ['preflight', 'steady-state', 'inject', 'detect', 'rollback', 'recovery'];
  // every record of every required phase (a case in halves has one detect record per half)
  const held = (phase: Phase) => {
    const records = journal.phases.filter((r) => r.phase === phase);
    return records.length > 0 && records.every((r) => r.ok);
  };
  journal.verdict = !journal.aborted && required.every(held) ? 'pass' : 'fail';
  return journal;
}

/** Longer than the fault phase (detection of each half, and hold) can last, so only a dead runner ever relies on it. */
export function safetyExpirySeconds(profile: Profile, halves = 0): number {
  return Math.ceil(
    profile.detectDeadlineSeconds * Math.max(1, halves) + profile.holdSeconds + profile.expiryMarginSeconds,
  );
}

/** Part of every hypothesis: the alerts the case expects are not firing before the fault. */
function quietAlerts(scenario: Scenario): Probe[] {
  const names = new Set(
    scenario.expectations.flatMap((p) =>
      p.kind === 'alert' ? [p.alert] : p.kind === 'alerts-together' ? p.alerts : [],
    ),
  );
  return [...names].map((alert) => ({ kind: 'alert', name: `${alert} not firing`, alert, firing: false }));
}

async function preflight(ctx: ProbeContext, options: RunnerOptions, riskUrl?: string): Promise<ProbeResult[]> {
  const reach = async (name: string, url: string): Promise<ProbeResult> => {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
      await res.arrayBuffer();
      return { name, ok: res.ok, value: `HTTP ${res.status} from ${url}`, expected: '200' };
    } catch (err) {
      return { name, ok: false, value: `${url} unreachable (${(err as Error).message})`, expected: '200' };
    }
  };
  const results = await Promise.all([
    reach('API', `${options.apiUrl}/livez`),
    reach('Prometheus', `${options.prometheusUrl}/-/ready`),
    reach('Alertmanager', `${options.alertmanagerUrl}/-/ready`),
  ]);
  if (riskUrl !== undefined) results.push(await reach('risk service', `${riskUrl}/livez`));
  if (results[1]?.ok) {
    const up = await ctx.prometheus.value(q.apiUp()).catch(() => undefined);
    results.push({
      name: 'API scraped by Prometheus',
      ok: up === 1,
      value: up === undefined ? 'no target' : `up=${up}`,
      expected: 'up=1',
    });
  }
  return results;
}
