import { dashboardQueries, type DashboardQuery } from '../monitoring/grafana/queries';
import { CASES } from '../scenarios/cases';
import { PROFILES } from '../scenarios/lib/profiles';

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
}

/** A workshop case's faults, as its scenario injects them. */
export interface Preset {
  id: number;
  title: string;
  doc: string;
  faults: Record<string, unknown>;
}

/** What the page reads once at start: its charts, the fault-window expression and the case presets. */
export interface Catalogue {
  signals: Signal[];
  faultWindows: string;
  presets: Preset[];
}

/** The charts, each naming the Grafana panel whose queries it draws: the dashboards stay the one catalogue. */
const CHARTS: readonly (Omit<Signal, 'exprs'> & { panel: [dashboard: string, title: string] })[] = [
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

/** Builds the catalogue; throws when a named panel is gone, so a renamed dashboard panel fails at start and in the tests. */
export function buildCatalogue(queries: DashboardQuery[] = dashboardQueries()): Catalogue {
  const exprsOf = ([dashboard, panel]: [string, string]): string[] => {
    const exprs = [
      ...new Set(queries.filter((q) => q.dashboard === dashboard && q.panel === panel).map((q) => q.expr)),
    ];
    if (exprs.length === 0) throw new Error(`no Grafana panel "${panel}" in dashboard ${dashboard}`);
    return exprs;
  };
  const [faultWindows] = exprsOf(FAULT_WINDOWS_PANEL) as [string];
  return {
    signals: CHARTS.map(({ panel, ...chart }) => ({ ...chart, exprs: exprsOf(panel) })),
    faultWindows,
    // the page sets the API's faults: the cases that break the risk service (7, 8) are not its presets
    presets: Object.values(CASES)
      .map((factory) => factory(PROFILES.workshop, {}))
      .filter((scenario) => (scenario.target ?? 'api') === 'api')
      .map(({ id, title, doc, faults }) => ({ id, title, doc, faults })),
  };
}
