import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One PromQL expression of a provisioned dashboard, with Grafana variables replaced so Prometheus can run it. */
export interface DashboardQuery {
  /** Dashboard file name without `.json`, e.g. `api-overview`. */
  readonly dashboard: string;
  /** Panel title, or `annotation: <name>` for a dashboard annotation. */
  readonly panel: string;
  readonly expr: string;
}

/**
 * Values for the Grafana variables the dashboards use. With the data source's 5 s scrape interval,
 * Grafana's $__rate_interval is at least 20 s; 30 s matches the recording rules.
 */
export const GRAFANA_VARIABLES: Readonly<Record<string, string>> = { $__rate_interval: '30s' };

export const DASHBOARDS_DIR = join(__dirname, 'dashboards');

interface Panel {
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
    const add = (panel: string, expr: string): void => {
      queries.push({ dashboard, panel, expr: substitute(expr, `${dashboard} / ${panel}`) });
    };
    const walk = (panels: readonly Panel[]): void => {
      for (const panel of panels) {
        for (const target of panel.targets ?? []) {
          if (target.expr) add(panel.title ?? '(untitled)', target.expr);
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
