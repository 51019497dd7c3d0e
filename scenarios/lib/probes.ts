import type { AlertmanagerClient, PrometheusClient } from './prometheus';

/** A numeric expectation: a range, or a binomial share within k standard deviations. */
export type Tolerance =
  | { kind: 'range'; min?: number; max?: number }
  | { kind: 'binomial'; p: number; sigmas: number; countExpr: string; minCount: number };

export type Unit = 's' | 'ratio' | 'bytes' | 'bytes/s' | 'count' | 'ms';

/** A PromQL query whose single value must fall within the tolerance. */
export interface MetricProbe {
  kind: 'metric';
  name: string;
  expr: string;
  unit: Unit;
  tolerance: Tolerance;
  /** Not judged before the phase is this old: lets a rate window fill with post-injection traffic only. */
  afterSeconds?: number;
}

/** An alert that must be firing in Prometheus AND active in Alertmanager (or neither, when firing is false). */
export interface AlertProbe {
  kind: 'alert';
  name: string;
  alert: string;
  firing: boolean;
}

/** A request to the API that must answer with the status within maxMs. */
export interface HttpProbe {
  kind: 'http';
  name: string;
  path: string;
  status: number;
  maxMs: number;
}

/** Alerts that must all be firing (and in Alertmanager) at the same moment. */
export interface AlertsTogetherProbe {
  kind: 'alerts-together';
  name: string;
  alerts: string[];
}

export type Probe = MetricProbe | AlertProbe | HttpProbe | AlertsTogetherProbe;

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

async function evaluateMetric(probe: MetricProbe, ctx: ProbeContext): Promise<ProbeResult> {
  const value = await ctx.prometheus.value(probe.expr);
  const t = probe.tolerance;
  if (t.kind === 'range') {
    const ok = value !== undefined && (t.min === undefined || value >= t.min) && (t.max === undefined || value <= t.max);
    return { name: probe.name, ok, value: formatValue(value, probe.unit), expected: describeRange(t, probe.unit) };
  }
  const n = (await ctx.prometheus.value(t.countExpr)) ?? 0;
  const bound = n > 0 ? binomialBound(t.p, n, t.sigmas) : Infinity;
  const ok = value !== undefined && n >= t.minCount && Math.abs(value - t.p) <= bound;
  const expected = `${formatValue(t.p, 'ratio')} ± ${n > 0 ? formatValue(bound, 'ratio') : '?'} (${t.sigmas}σ, n=${Math.round(n)})`;
  return { name: probe.name, ok, value: formatValue(value, probe.unit), expected };
}

async function evaluateAlert(probe: AlertProbe, ctx: ProbeContext): Promise<ProbeResult> {
  const [inPrometheus, inAlertmanager] = await Promise.all([
    ctx.prometheus.firingAlerts().then((a) => a.includes(probe.alert)),
    ctx.alertmanager.activeAlerts().then((a) => a.includes(probe.alert)),
  ]);
  const ok = probe.firing ? inPrometheus && inAlertmanager : !inPrometheus;
  const value = inPrometheus ? (inAlertmanager ? 'firing, in Alertmanager' : 'firing, not yet in Alertmanager') : 'not firing';
  return { name: probe.name, ok, value, expected: probe.firing ? 'firing, in Alertmanager' : 'not firing' };
}

async function evaluateHttp(probe: HttpProbe, ctx: ProbeContext): Promise<ProbeResult> {
  const started = performance.now();
  let status = 0;
  try {
    const res = await fetch(`${ctx.apiUrl}${probe.path}`, { signal: AbortSignal.timeout(Math.max(probe.maxMs * 5, 2000)) });
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

/** Evaluates one probe; ageSeconds is how long the current phase has run. */
export async function evaluate(probe: Probe, ctx: ProbeContext, ageSeconds = Infinity): Promise<ProbeResult> {
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
