import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { DASHBOARDS_DIR, dashboardQueries } from '../../monitoring/grafana/queries';
import {
  GRAFANA_DIR,
  PROMETHEUS_DIR,
  filesIn,
  readYaml,
  recordedNames,
  rulesOf,
  runTool,
  unknownMetrics,
} from './tools';

interface Target {
  refId?: string;
  expr?: string;
  datasource?: { type?: string; uid?: string };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  description?: string;
  targets?: Target[];
  panels?: Panel[];
}
interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  annotations: { list: { name: string; expr?: string; enable?: boolean; datasource?: { uid?: string } }[] };
}

const DASHBOARD_FILES = filesIn(DASHBOARDS_DIR, '.json');
const load = (file: string) => JSON.parse(readFileSync(join(DASHBOARDS_DIR, file), 'utf8')) as Dashboard;
const panelsOf = (panels: Panel[]): Panel[] =>
  panels.flatMap((p) => (p.type === 'row' ? panelsOf(p.panels ?? []) : [p, ...panelsOf(p.panels ?? [])]));

describe('Grafana provisioning', () => {
  it('provisions Prometheus (default, uid prometheus) and Jaeger (uid jaeger) at their Compose addresses', () => {
    const { datasources } = readYaml<{ datasources: Record<string, unknown>[] }>(
      join(GRAFANA_DIR, 'provisioning', 'datasources', 'datasources.yml'),
    );
    expect(datasources).to.have.lengthOf(2);
    expect(datasources[0]).to.include({
      type: 'prometheus',
      uid: 'prometheus',
      url: 'http://prometheus:9090',
      isDefault: true,
    });
    expect(datasources[1]).to.include({ type: 'jaeger', uid: 'jaeger', url: 'http://jaeger:16686' });
  });

  it('loads dashboards from the folder monitoring/grafana/dashboards is mounted at', () => {
    const { providers } = readYaml<{ providers: { type: string; options: { path: string } }[] }>(
      join(GRAFANA_DIR, 'provisioning', 'dashboards', 'dashboards.yml'),
    );
    expect(providers.map((p) => [p.type, p.options.path])).to.deep.equal([['file', '/var/lib/grafana/dashboards']]);
  });
});

describe('Grafana dashboards', () => {
  it('are the three the docs describe, with unique uids and titles', () => {
    expect(DASHBOARD_FILES).to.deep.equal(['api-overview.json', 'database.json', 'slo.json']);
    const dashboards = DASHBOARD_FILES.map(load);
    expect(new Set(dashboards.map((d) => d.uid)).size).to.equal(3);
    expect(new Set(dashboards.map((d) => d.title)).size).to.equal(3);
  });

  for (const file of DASHBOARD_FILES) {
    it(`${file}: every panel queries the Prometheus data source with at least one expression`, () => {
      const problems = panelsOf(load(file).panels).flatMap((panel) => {
        const targets = panel.targets ?? [];
        if (!targets.some((t) => t.expr)) return [`${panel.title}: no target with an expr`];
        return targets
          .filter((t) => t.datasource?.uid !== 'prometheus')
          .map((t) => `${panel.title} ${t.refId}: datasource`);
      });
      expect(problems).to.deep.equal([]);
    });

    it(`${file}: panel ids are unique and every panel says what it answers`, () => {
      const panels = panelsOf(load(file).panels);
      expect(new Set(panels.map((p) => p.id)).size).to.equal(panels.length);
      expect(panels.filter((p) => !p.description).map((p) => p.title)).to.deep.equal([]);
    });

    it(`${file}: shades the periods when a fault was active, from Prometheus`, () => {
      const faults = load(file).annotations.list.find((a) => a.expr?.includes('fintech_fault_active'));
      expect(faults, 'an annotation on fintech_fault_active').to.not.equal(undefined);
      expect(faults).to.deep.include({ enable: true, datasource: { type: 'prometheus', uid: 'prometheus' } });
    });
  }

  it('api-overview answers the workshop questions: traffic, latency, errors, database, runtime, faults, alerts, the dependency', () => {
    const exprs = dashboardQueries()
      .filter((q) => q.dashboard === 'api-overview' && !q.panel.startsWith('annotation:'))
      .map((q) => q.expr)
      .join('\n');
    for (const needle of [
      'fintech:request_rate:rate30s',
      'fintech:latency_p50_seconds:rate30s',
      'fintech:latency_p95_seconds:rate30s',
      'fintech:latency_p99_seconds:rate30s',
      'fintech:error_ratio:rate30s',
      'fintech_active_transactions',
      'fintech_db_query_duration_seconds_bucket',
      'fintech_db_pool_connections',
      'nodejs_heap_size_used_bytes',
      'process_resident_memory_bytes',
      'nodejs_eventloop_lag_p99_seconds',
      'process_cpu_seconds_total',
      'ALERTS{alertstate="firing"}',
      'fintech_fault_active',
      'fintech_fault_setting',
      'fintech_dependency_call_duration_seconds_count',
      'fintech_dependency_call_duration_seconds_bucket',
      'fintech_dependency_breaker_state',
      'risk_requests_total',
    ]) {
      expect(exprs, needle).to.include(needle);
    }
  });

  describe('dashboardQueries()', () => {
    const queries = dashboardQueries();

    it('returns every panel target and annotation expression, Grafana variables substituted', () => {
      const targets = DASHBOARD_FILES.flatMap((file) => panelsOf(load(file).panels).flatMap((p) => p.targets ?? []));
      const annotations = DASHBOARD_FILES.flatMap((file) => load(file).annotations.list.filter((a) => a.expr));
      expect(queries).to.have.lengthOf(targets.length + annotations.length);
      expect(queries.filter((q) => q.expr.includes('$'))).to.deep.equal([]);
    });

    it('yields only valid PromQL (promtool check rules)', () => {
      const dir = mkdtempSync(join(tmpdir(), 'fintech-dashboards-'));
      try {
        const file = join(dir, 'dashboards.rules.yml');
        const rules = queries.map((q, i) => ({ record: `dashboard:query:${i}`, expr: q.expr }));
        writeFileSync(file, stringify({ groups: [{ name: 'dashboard-queries', rules }] }));
        const result = runTool('promtool', ['check', 'rules', file]);
        expect(result.code, result.output).to.equal(0);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('reads only catalogue metrics and series the workshop rule files record', () => {
      const loaded = readYaml<{ rule_files: string[] }>(join(PROMETHEUS_DIR, 'prometheus.yml')).rule_files;
      const recorded = new Set(
        loaded.flatMap((f) => rulesOf(f.replace(/^rules\//, '')).flatMap((r) => (r.record ? [r.record] : []))),
      );
      const problems = queries.flatMap((q) => [
        ...unknownMetrics(q.expr).map((name) => `${q.dashboard} / ${q.panel}: ${name} is not in the catalogue`),
        ...recordedNames(q.expr)
          .filter((name) => !recorded.has(name))
          .map((name) => `${q.dashboard} / ${q.panel}: ${name} is not recorded`),
      ]);
      expect(problems).to.deep.equal([]);
    });
  });
});
