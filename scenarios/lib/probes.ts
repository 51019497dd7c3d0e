import type { LoadResponse } from '../../kit/load';
import type { AlertmanagerClient, PrometheusClient } from '../../kit/prometheus';

/** A numeric expectation: a closed range. */
export interface Tolerance {
  kind: 'range';
  min?: number;
  max?: number;
}

export type Unit = 's' | 'ratio' | 'bytes' | 'bytes/s' | 'count' | 'ms';

/** The kit's precision for injected delays (bench/precision.ts measures the same): 5% or 10 ms, whichever is larger. */
export function latencyTolerance(ms: number): number {
  return Math.max(0.05 * ms, 10);
}

interface ProbeBase {
  name: string;
  /** The fault setting (a key of the scenario's payload) this probe stands for: removing that fault alone must fail it. */
  proves?: string;
}

/** A PromQL query whose single value must fall within the range (a level: it must hold on consecutive polls). */
export interface MetricProbe extends ProbeBase {
  kind: 'metric';
  expr: string;
  unit: Unit;
  tolerance: Tolerance;
  /** Not judged before the phase is this old: lets a rate window fill with post-injection traffic only. */
  afterSeconds?: number;
}

/** An alert that must be firing in Prometheus AND active in Alertmanager (or neither, when firing is false). */
export interface AlertProbe extends ProbeBase {
  kind: 'alert';
  alert: string;
  firing: boolean;
}

/** A request to the API that must answer with the status within maxMs. */
export interface HttpProbe extends ProbeBase {
  kind: 'http';
  path: string;
  status: number;
  maxMs: number;
}

/** Alerts that must all be firing (and in Alertmanager) at the same moment. */
export interface AlertsTogetherProbe extends ProbeBase {
  kind: 'alerts-together';
  alerts: string[];
}

/**
 * Judged once, over the whole fault window: the increase of the `part` counter divided by the
 * increase of the `whole` counter (the real n), within `sigmas` binomial standard deviations of p.
 */
export interface ShareProbe extends ProbeBase {
  kind: 'share';
  part: string;
  whole: string;
  p: number;
  sigmas: number;
  /** The window stays open until n reaches this (or the phase deadline passes). */
  minCount: number;
}

/** Judged once, over the whole fault window: PromQL built for the window's range (e.g. an average over it). */
export interface WindowMetricProbe extends ProbeBase {
  kind: 'window-metric';
  expr: (range: string) => string;
  unit: Unit;
  tolerance: Tolerance;
}

/** Judged once, over the whole fault window: the median latency the load generator saw, within the kit's precision of targetMs. */
export interface ClientLatencyProbe extends ProbeBase {
  kind: 'client-latency';
  targetMs: number;
  /** Only answers with this status (e.g. the injected 500s, which skip the database). */
  status?: number;
  minCount: number;
}

/** Level probes are polled; window probes are judged once when the fault window closes. */
export type LevelProbe = MetricProbe | AlertProbe | HttpProbe | AlertsTogetherProbe;
export type WindowProbe = ShareProbe | WindowMetricProbe | ClientLatencyProbe;
export type Probe = LevelProbe | WindowProbe;

export function isWindowProbe(probe: Probe): probe is WindowProbe {
  return probe.kind === 'share' || probe.kind === 'window-metric' || probe.kind === 'client-latency';
}

export interface ProbeResult {
  name: string;
  ok: boolean;
  value: string;
  expected: string;
}

export interface ProbeContext {
  prometheus: PrometheusClient;
  alertmanager: AlertmanagerClient;
  apiUrl: string;
  /** What the load generator received (client-latency probes). */
  responses?: (fromMs: number, toMs: number) => LoadResponse[];
}

export function formatValue(value: number | undefined, unit: Unit): string {
  if (value === undefined) return 'no data';
  switch (unit) {
    case 's':
      return `${value.toFixed(3)} s`;
    case 'ms':
      return `${Math.round(value)} ms`;
    case 'ratio':
      return `${(value * 100).toFixed(1)} %`;
    case 'bytes':
      return `${(value / 1048576).toFixed(1)} MiB`;
    case 'bytes/s':
      return `${(value / 1048576).toFixed(2)} MiB/s`;
    default:
      return Number.isInteger(value) ? String(value) : value.toFixed(2);
  }
}

function describeRange(t: { min?: number; max?: number }, unit: Unit): string {
  if (t.min !== undefined && t.max !== undefined) return `${formatValue(t.min, unit)} .. ${formatValue(t.max, unit)}`;
  if (t.min !== undefined) return `>= ${formatValue(t.min, unit)}`;
  return `<= ${formatValue(t.max, unit)}`;
}

/** The statistical bound: |observed - p| <= sigmas * sqrt(p(1-p)/n). */
export function binomialBound(p: number, n: number, sigmas: number): number {
  return sigmas * Math.sqrt((p * (1 - p)) / n);
}

function inRange(value: number | undefined, t: Tolerance): boolean {
  return value !== undefined && (t.min === undefined || value >= t.min) && (t.max === undefined || value <= t.max);
}

async function evaluateMetric(probe: MetricProbe, ctx: ProbeContext): Promise<ProbeResult> {
  const value = await ctx.prometheus.value(probe.expr);
  return {
    name: probe.name,
    ok: inRange(value, probe.tolerance),
    value: formatValue(value, probe.unit),
    expected: describeRange(probe.tolerance, probe.unit),
  };
}

async function evaluateAlert(probe: AlertProbe, ctx: ProbeContext): Promise<ProbeResult> {
  const [inPrometheus, inAlertmanager] = await Promise.all([
    ctx.prometheus.firingAlerts().then((a) => a.includes(probe.alert)),
    ctx.alertmanager.activeAlerts().then((a) => a.includes(probe.alert)),
  ]);
  const ok = probe.firing ? inPrometheus && inAlertmanager : !inPrometheus;
  const value = inPrometheus
    ? inAlertmanager
      ? 'firing, in Alertmanager'
      : 'firing, not yet in Alertmanager'
    : 'not firing';
  return { name: probe.name, ok, value, expected: probe.firing ? 'firing, in Alertmanager' : 'not firing' };
}

async function evaluateHttp(probe: HttpProbe, ctx: ProbeContext): Promise<ProbeResult> {
  const started = performance.now();
  let status: number;
  try {
    const res = await fetch(`${ctx.apiUrl}${probe.path}`, {
      signal: AbortSignal.timeout(Math.max(probe.maxMs * 5, 2000)),
    });
    status = res.status;
    await res.arrayBuffer();
  } catch {
    status = 0;
  }
  const ms = performance.now() - started;
  return {
    name: probe.name,
    ok: status === probe.status && ms <= probe.maxMs,
    value: `${status || 'no answer'} in ${Math.round(ms)} ms`,
    expected: `${probe.status} within ${probe.maxMs} ms`,
  };
}

async function evaluateTogether(probe: AlertsTogetherProbe, ctx: ProbeContext): Promise<ProbeResult> {
  const [firing, active] = await Promise.all([ctx.prometheus.firingAlerts(), ctx.alertmanager.activeAlerts()]);
  const missing = probe.alerts.filter((a) => !firing.includes(a) || !active.includes(a));
  return {
    name: probe.name,
    ok: missing.length === 0,
    value: missing.length === 0 ? `all ${probe.alerts.length} firing` : `not (yet) firing: ${missing.join(', ')}`,
    expected: `${probe.alerts.join(', ')} firing at once`,
  };
}

/** Evaluates one level probe; ageSeconds is how long the current phase has run. */
export async function evaluate(probe: LevelProbe, ctx: ProbeContext, ageSeconds = Infinity): Promise<ProbeResult> {
  try {
    if (probe.kind === 'metric') {
      if (probe.afterSeconds !== undefined && ageSeconds < probe.afterSeconds) {
        return { name: probe.name, ok: false, value: `judged after ${probe.afterSeconds} s`, expected: '' };
      }
      return await evaluateMetric(probe, ctx);
    }
    if (probe.kind === 'alert') return await evaluateAlert(probe, ctx);
    if (probe.kind === 'alerts-together') return await evaluateTogether(probe, ctx);
    return await evaluateHttp(probe, ctx);
  } catch (err) {
    return { name: probe.name, ok: false, value: `error: ${(err as Error).message}`, expected: '' };
  }
}

/** The fault window of a phase, in epoch ms. */
export interface Window {
  fromMs: number;
  toMs: number;
}

/** A window probe's verdict, or `ready: false` while its window lacks the observations it needs. */
export interface Judgement {
  ready: boolean;
  result: ProbeResult;
}

async function judgeShare(probe: ShareProbe, ctx: ProbeContext, w: Window): Promise<Judgement> {
  const at = (expr: string, ms: number) =>
    ctx.prometheus.value(`(${expr}) or vector(0)`, ms / 1000).then((v) => v ?? 0);
  const [part0, whole0, part1, whole1] = await Promise.all([
    at(probe.part, w.fromMs),
    at(probe.whole, w.fromMs),
    at(probe.part, w.toMs),
    at(probe.whole, w.toMs),
  ]);
  const n = whole1 - whole0;
  const share = n > 0 ? (part1 - part0) / n : undefined;
  const bound = n > 0 ? binomialBound(probe.p, n, probe.sigmas) : Infinity;
  const ok = share !== undefined && n >= probe.minCount && Math.abs(share - probe.p) <= bound;
  const expected = `${formatValue(probe.p, 'ratio')} ± ${n > 0 ? formatValue(bound, 'ratio') : '?'} (${probe.sigmas}σ, n=${Math.round(n)} >= ${probe.minCount})`;
  return { ready: n >= probe.minCount, result: { name: probe.name, ok, value: formatValue(share, 'ratio'), expected } };
}

async function judgeWindowMetric(probe: WindowMetricProbe, ctx: ProbeContext, w: Window): Promise<Judgement> {
  const range = `${Math.max(1, Math.round((w.toMs - w.fromMs) / 1000))}s`;
  const value = await ctx.prometheus.value(probe.expr(range), w.toMs / 1000);
  const ok = inRange(value, probe.tolerance);
  return {
    ready: true,
    result: {
      name: probe.name,
      ok,
      value: `${formatValue(value, probe.unit)} over ${range}`,
      expected: describeRange(probe.tolerance, probe.unit),
    },
  };
}

function judgeClientLatency(probe: ClientLatencyProbe, ctx: ProbeContext, w: Window): Judgement {
  const ms = (ctx.responses?.(w.fromMs, w.toMs) ?? [])
    .filter((r) => probe.status === undefined || r.status === probe.status)
    .map((r) => r.ms);
  ms.sort((a, b) => a - b);
  const median = ms.length > 0 ? (ms[Math.floor((ms.length - 1) / 2)] as number) : undefined;
  const tolerance = latencyTolerance(probe.targetMs);
  const ok = median !== undefined && ms.length >= probe.minCount && Math.abs(median - probe.targetMs) <= tolerance;
  const of = probe.status === undefined ? 'answers' : `${probe.status} answers`;
  return {
    ready: ms.length >= probe.minCount,
    result: {
      name: probe.name,
      ok,
      value: `median ${formatValue(median, 'ms')} of ${ms.length} ${of}`,
      expected: `${probe.targetMs} ± ${tolerance} ms (n >= ${probe.minCount})`,
    },
  };
}

/** Judges a window probe over the window; the caller keeps the first ready judgement (or the one at its deadline). */
export async function judge(probe: WindowProbe, ctx: ProbeContext, w: Window): Promise<Judgement> {
  try {
    if (probe.kind === 'share') return await judgeShare(probe, ctx, w);
    if (probe.kind === 'window-metric') return await judgeWindowMetric(probe, ctx, w);
    return judgeClientLatency(probe, ctx, w);
  } catch (err) {
    return {
      ready: false,
      result: { name: probe.name, ok: false, value: `error: ${(err as Error).message}`, expected: '' },
    };
  }
}
