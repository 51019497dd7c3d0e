import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { METRICS, NODE_METRICS } from '../../app/telemetry/catalogue';

export const MONITORING_DIR = join(__dirname, '..', '..', 'monitoring');
export const PROMETHEUS_DIR = join(MONITORING_DIR, 'prometheus');
export const ALERTMANAGER_DIR = join(MONITORING_DIR, 'alertmanager');
export const GRAFANA_DIR = join(MONITORING_DIR, 'grafana');

const PACKAGES: Record<string, string> = {
  promtool: 'prometheus',
  amtool: 'prometheus-alertmanager',
  'prometheus-alertmanager': 'prometheus-alertmanager',
};

/** Exit code and combined output of a command-line tool; a missing tool throws, naming its Debian package. */
export function runTool(tool: string, args: readonly string[]): { code: number; output: string } {
  const result = spawnSync(tool, args, { encoding: 'utf8', timeout: 60_000 });
  if (result.error) {
    const code = (result.error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new Error(`${tool} is not installed: apt-get install -y ${PACKAGES[tool] ?? tool}`);
    }
    throw result.error;
  }
  return { code: result.status ?? -1, output: `${tool} ${args.join(' ')}\n${result.stdout}${result.stderr}` };
}

export function readYaml<T>(path: string): T {
  return parse(readFileSync(path, 'utf8')) as T;
}

export function filesIn(dir: string, suffix: string): string[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith(suffix))
    .sort();
}

export interface Rule {
  readonly record?: string;
  readonly alert?: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
}

/** The rules of monitoring/prometheus/rules/<file>, flattened across groups. */
export function rulesOf(file: string): Rule[] {
  const doc = readYaml<{ groups: { rules: Rule[] }[] }>(join(PROMETHEUS_DIR, 'rules', file));
  return doc.groups.flatMap((group) => group.rules);
}

export const RULE_FILES = filesIn(join(PROMETHEUS_DIR, 'rules'), '.yml');

const HISTOGRAM_SUFFIXES = ['_bucket', '_count', '_sum'];
const CATALOGUE = new Set<string>([
  ...Object.values(METRICS).flatMap((m) =>
    m.type === 'histogram' ? HISTOGRAM_SUFFIXES.map((suffix) => m.name + suffix) : [m.name],
  ),
  ...Object.values(NODE_METRICS),
]);

/** Names in `expr` that look like app or Node metrics (fintech_*, process_*, nodejs_*) but are not in the catalogue. */
export function unknownMetrics(expr: string): string[] {
  const names = expr.match(/\b(?:fintech|process|nodejs)_[a-z0-9_]+/g) ?? [];
  return [...new Set(names)].filter((name) => !CATALOGUE.has(name));
}

/** Recorded series names (level:metric:operation) that `expr` reads. */
export function recordedNames(expr: string): string[] {
  return [...new Set(expr.match(/\bfintech:[a-z0-9_]+:[a-z0-9_]+/g) ?? [])];
}
