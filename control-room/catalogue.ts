import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { projectRoot } from '../app/paths';
import { dashboardQueries, type DashboardQuery } from '../monitoring/grafana/queries';
import { CASES } from '../scenarios/cases';
import { PROFILES } from '../scenarios/lib/profiles';
import { FAULT_SERVICES, type FaultService, type ServiceId } from './services';

/** How the page formats a signal's values. */
export type SignalUnit = 'req/s' | 'ratio' | 's' | 'count' | 'bytes';

/** One chart of the page: the expressions of one dashboard panel. */
export interface Signal {
  id: string;
  title: string;
  unit: SignalUnit;
  /** Draws a line at this value (an alert threshold), in the signal's unit. */
  threshold?: number;
  exprs: string[];
  /** The same expressions with one series per replica (instance_id): drawn when the API runs as several. */
  perInstance: string[];
}

/** A workshop case's faults, as its scenario injects them. */
export interface Preset {
  id: number;
  title: string;
  doc: string;
  /** Whose fault API takes the faults (the case's target). */
  service: ServiceId;
  faults: Record<string, unknown>;
}

/** What the page reads once at start: the services it breaks, its charts, the fault-window expression and the case presets. */
export interface Catalogue {
  services: FaultService[];
  signals: Signal[];
  faultWindows: string;
  presets: Preset[];
}

/** The charts, each naming the Grafana panel whose queries it draws: the dashboards stay the one catalogue. */
const CHARTS: readonly (Omit<Signal, 'exprs' | 'perInstance'> & { panel: [dashboard: string, title: string] })[] = [
  { id: 'request-rate', title: 'Requests per second', unit: 'req/s', panel: ['api-overview', 'Requests/s'] },
  { id: 'error-ratio', title: 'Error ratio (5xx)', unit: 'ratio', panel: ['api-overview', 'Error ratio (5xx)'] },
  {
    id: 'latency',
    title: 'Request latency p50 / p95 / p99',
    unit: 's',
    threshold: 1,
    panel: ['api-overview', 'Request latency p50 / p95 / p99'],
  },
  {
    id: 'in-flight',
    title: 'Transactions and requests in flight',
    unit: 'count',
    panel: ['api-overview', 'Transactions and requests in flight'],
  },
  { id: 'db-latency', title: 'Database query p95', unit: 's', panel: ['database', 'Query p95'] },
  { id: 'pool', title: 'Connection pool', unit: 'count', panel: ['api-overview', 'Connection pool'] },
  { id: 'memory', title: 'Memory: RSS, heap, leaked', unit: 'bytes', panel: ['api-overview', 'Memory'] },
  { id: 'event-loop', title: 'Event-loop lag p99', unit: 's', panel: ['api-overview', 'Event-loop lag p99'] },
];

const FAULT_WINDOWS_PANEL: [string, string] = ['api-overview', 'annotation: Faults'];

export const RECORDING_RULES = path.join(projectRoot(), 'monitoring', 'prometheus', 'rules', 'recording.yml');

/** The recording rules' expressions by name: a per-instance line needs what a rule sums over every replica. */
export function recordedExpressions(file = RECORDING_RULES): Record<string, string> {
  const doc = parse(fs.readFileSync(file, 'utf8')) as { groups: { rules: { record?: string; expr: string }[] }[] };
  return Object.fromEntries(
    doc.groups.flatMap((g) => g.rules.flatMap((r) => (r.record ? [[r.record, r.expr.trim()]] : []))),
  );
}

const AGGREGATION = /\b(sum|max|min|avg|count)\s*(?:by\s*\(([^)]*)\)\s*)?\(/g;
const ZERO_WHEN_NONE = /^\(\s*([\s\S]+?)\s+or\s+vector\(0\)\s*\)\s*\/\s*([\s\S]+)$/;

/**
 * A panel expression with one series per replica: recorded names replaced by their rules, every
 * aggregation also grouped by instance_id, and "(a or vector(0)) / b" made "(a or 0 * b) / b" so a replica
 * without errors reads 0 rather than nothing. Plain selectors already keep one series per replica.
 */
export function perInstance(expr: string, recorded: Record<string, string>): string {
  const expanded = expr.replace(/\bfintech:[\w:]+/g, (name) => (recorded[name] ? `(${recorded[name]})` : name));
  const grouped = expanded.replace(
    AGGREGATION,
    (_all, op: string, by: string | undefined) => `${op} by (${by ? `${by}, ` : ''}instance_id) (`,
  );
  const inner = /^\(([\s\S]*)\)$/.exec(grouped)?.[1] ?? grouped;
  const zero = ZERO_WHEN_NONE.exec(inner.trim());
  return zero ? `(${zero[1]} or 0 * ${zero[2]}) / ${zero[2]}` : grouped;
}

/** Builds the catalogue; throws when a named panel is gone, so a renamed dashboard panel fails at start and in the tests. */
export function buildCatalogue(
  queries: DashboardQuery[] = dashboardQueries(),
  recorded: Record<string, string> = recordedExpressions(),
): Catalogue {
  const exprsOf = ([dashboard, panel]: [string, string]): string[] => {
    const exprs = [
      ...new Set(queries.filter((q) => q.dashboard === dashboard && q.panel === panel).map((q) => q.expr)),
    ];
    if (exprs.length === 0) throw new Error(`no Grafana panel "${panel}" in dashboard ${dashboard}`);
    return exprs;
  };
  const [faultWindows] = exprsOf(FAULT_WINDOWS_PANEL) as [string];
  return {
    services: FAULT_SERVICES.map(({ id, title }) => ({ id, title })),
    signals: CHARTS.map(({ panel, ...chart }) => {
      const exprs = exprsOf(panel);
      return { ...chart, exprs, perInstance: exprs.map((e) => perInstance(e, recorded)) };
    }),
    faultWindows,
    presets: Object.values(CASES)
      .map((factory) => factory(PROFILES.workshop, {}))
      .map(({ id, title, doc, faults, target }) => ({ id, title, doc, service: target ?? 'api', faults })),
  };
}
