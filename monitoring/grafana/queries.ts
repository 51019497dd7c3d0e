import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One PromQL expression of a provisioned dashboard, with Grafana variables replaced so Prometheus can run it. */
export interface DashboardQuery {
  /** Dashboard file name without `.json`, e.g. `api-overview`. */
  readonly dashboard: string;
  /** Panel title, or `annotation: <name>` for a dashboard annotation. */
  readonly panel: string;
  /** Title of the dashboard row the panel sits in, if any. */
  readonly row?: string;
  readonly expr: string;
}

/**
 * Values for the Grafana variables the dashboards use. With the data source's 5 s scrape interval,
 * Grafana's $__rate_interval is at least 20 s; 30 s matches the recording rules.
 */
export const GRAFANA_VARIABLES: Readonly<Record<string, string>> = { $__rate_interval: '30s' };

export const DASHBOARDS_DIR = join(__dirname, 'dashboards');

/** The api-overview row of per-replica and HAProxy panels: it has data only where replicas run behind HAProxy. */
export const REPLICAS_ROW = 'Replicas';

interface Panel {
  readonly type?: string;
  readonly title?: string;
  readonly targets?: readonly { readonly expr?: string }[];
  readonly panels?: readonly Panel[];
}

interface Dashboard {
  readonly panels?: readonly Panel[];
  readonly annotations?: { readonly list?: readonly { readonly name?: string; readonly expr?: string }[] };
}

/** Every panel target and annotation expression of every dashboard in `dir`, variables substituted. */
export function dashboardQueries(dir: string = DASHBOARDS_DIR): DashboardQuery[] {
  const queries: DashboardQuery[] = [];
  for (const file of readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort()) {
    const dashboard = file.slice(0, -'.json'.length);
    const json = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Dashboard;
    const add = (panel: string, expr: string, row?: string): void => {
      const where = `${dashboard} / ${panel}`;
      queries.push({ dashboard, panel, ...(row === undefined ? {} : { row }), expr: substitute(expr, where) });
    };
    // An expanded row's panels follow it at the top level; a collapsed row holds them in `panels`.
    let row: string | undefined;
    const walk = (panels: readonly Panel[]): void => {
      for (const panel of panels) {
        if (panel.type === 'row') row = panel.title;
        for (const target of panel.targets ?? []) {
          if (target.expr) add(panel.title ?? '(untitled)', target.expr, row);
        }
        walk(panel.panels ?? []);
      }
    };
    walk(json.panels ?? []);
    for (const annotation of json.annotations?.list ?? []) {
      if (annotation.expr) add(`annotation: ${annotation.name ?? '(unnamed)'}`, annotation.expr);
    }
  }
  return queries;
}

function substitute(expr: string, where: string): string {
  let result = expr;
  for (const [name, value] of Object.entries(GRAFANA_VARIABLES)) result = result.split(name).join(value);
  const unknown = /\$\{?\w+/.exec(result);
  if (unknown) throw new Error(`${where}: no value for Grafana variable ${unknown[0]} in: ${expr}`);
  return result;
}
