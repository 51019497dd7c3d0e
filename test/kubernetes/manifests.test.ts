import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { parse } from 'yaml';
import { CONFIG_KEYS, loadConfig } from '../../app/config';
import { GENERATED_DIR, generatedFiles, matcher, ruleProfile } from '../../deploy/kubernetes/generate';
import { runTool } from '../monitoring/tools';
import { describeUnless } from '../support/skips';
import {
  K8S_DIR,
  ROOT,
  byKind,
  kustomizeUnavailable,
  loadModels,
  one,
  parseObjects,
  render,
  schemaProblem,
  sourceFiles,
  type K8sObject,
  type Model,
} from './manifests';

interface Container {
  name: string;
  image: string;
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
  readinessProbe?: { httpGet?: { path: string } };
  livenessProbe?: { httpGet?: { path: string } };
  lifecycle?: { preStop?: { exec?: { command: string[] } } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
}
interface PodSpec {
  terminationGracePeriodSeconds?: number;
  containers: Container[];
}
interface Workload extends K8sObject {
  spec: { replicas?: number; selector: { matchLabels: Record<string, string> }; template: { spec: PodSpec } };
}
interface Group {
  name: string;
  interval?: string;
  rules: unknown[];
}

const readYaml = <T>(file: string): T => parse(fs.readFileSync(path.join(ROOT, file), 'utf8')) as T;
const objectsOf = (file: string): K8sObject[] => parseObjects(fs.readFileSync(path.join(K8S_DIR, file), 'utf8'));
const SOURCES = sourceFiles().flatMap((file) =>
  parseObjects(fs.readFileSync(file, 'utf8')).map((obj) => ({ file: path.relative(ROOT, file), obj })),
);
const api = one(objectsOf('base/api.yaml'), 'Deployment', 'fintech-api') as Workload;
const apiContainer = api.spec.template.spec.containers[0] as Container;
const envOf = (c: Container, name: string) => c.env?.find((e) => e.name === name);
/** Set only to be expanded into DATABASE_URL ($(DB_PASSWORD)); not a setting of the app. */
const EXPANSION_ONLY = ['DB_PASSWORD'];

describe('Kubernetes manifests (deploy/kubernetes), as written', function () {
  this.timeout(60_000);
  let models: Record<string, Model>;
  before(async () => {
    models = await loadModels();
  });

  it('are valid Kubernetes and Prometheus Operator objects (kubernetes-models)', () => {
    expect(SOURCES.length).to.be.greaterThan(10);
    expect(SOURCES.flatMap(({ obj }) => schemaProblem(models, obj) ?? [])).to.deep.equal([]);
  });

  it('would be refused by the validator if broken: a Deployment without a selector, an alert with "for: ten"', () => {
    const deployment = structuredClone(api) as Partial<Workload>;
    delete (deployment.spec as Partial<Workload['spec']>).selector;
    expect(schemaProblem(models, deployment as K8sObject)).to.match(/selector/);
    const rule = structuredClone(objectsOf('base/generated/prometheus-rules.yaml')[0]) as K8sObject & {
      spec: { groups: { rules: { for?: string }[] }[] };
    };
    (rule.spec.groups[0]?.rules[0] as { for?: string }).for = 'ten';
    expect(schemaProblem(models, rule)).to.match(/for/);
    expect(schemaProblem(models, { ...api, kind: 'CronTab' })).to.match(/no model/);
  });

  it('hold no Secret and no secret value: passwords and CHAOS_TOKEN come from the fintech-secrets Secret', () => {
    expect(SOURCES.filter(({ obj }) => obj.kind === 'Secret').map(({ file }) => file)).to.deep.equal([]);
    const containers = SOURCES.flatMap(({ obj }) =>
      ['Deployment', 'StatefulSet', 'Job'].includes(obj.kind) ? (obj as Workload).spec.template.spec.containers : [],
    );
    const secretEnv = containers.flatMap((c) => (c.env ?? []).filter((e) => /PASSWORD|TOKEN|SECRET/.test(e.name)));
    expect(secretEnv.length).to.be.greaterThan(3);
    for (const e of secretEnv) expect(e.valueFrom?.secretKeyRef?.name, e.name).to.equal('fintech-secrets');
    const urls = containers.flatMap((c) => (c.env ?? []).filter((e) => /DATABASE_URL|DATA_SOURCE_NAME/.test(e.name)));
    for (const e of urls) expect(e.value, e.name).to.match(/^postgres(ql)?:\/\/postgres:\$\(DB_PASSWORD\)@/);
    const docs = fs.readFileSync(path.join(ROOT, 'docs', 'kubernetes.md'), 'utf8');
    const keys = [...new Set(secretEnv.map((e) => e.valueFrom?.secretKeyRef?.key))];
    for (const key of keys) expect(docs, `docs/kubernetes.md creates key ${key}`).to.include(`--from-literal=${key}=`);
  });

  it('keep no copy of init.sql, rule files or dashboards: kustomize reads them from where they live', () => {
    const copies = sourceFiles().filter((f) => /\.(sql|json)$/.test(f));
    expect(copies).to.deep.equal([]);
    const base = readYaml<{ configMapGenerator: { name: string; files: string[] }[] }>(
      'deploy/kubernetes/base/kustomization.yaml',
    );
    const dashboards = base.configMapGenerator.find((g) => g.name === 'fintech-dashboards')?.files ?? [];
    expect(dashboards.map((f) => path.basename(f))).to.deep.equal(
      fs.readdirSync(path.join(ROOT, 'monitoring', 'grafana', 'dashboards')).filter((f) => f.endsWith('.json')),
    );
  });

  describe('the API Deployment', () => {
    it('runs 3 replicas and a PodDisruptionBudget that keeps all but one of them through voluntary disruptions', () => {
      expect(api.spec.replicas).to.equal(3);
      const pdb = one(objectsOf('base/api.yaml'), 'PodDisruptionBudget', 'fintech-api') as K8sObject & {
        spec: { minAvailable: number; selector: { matchLabels: Record<string, string> } };
      };
      expect(pdb.spec.selector.matchLabels).to.deep.equal(api.spec.selector.matchLabels);
      expect(pdb.spec.minAvailable).to.equal((api.spec.replicas ?? 1) - 1);
    });

    it('is ready on /healthz (no request fault applies to it) and alive on /livez (no database involved)', () => {
      expect(apiContainer.readinessProbe?.httpGet?.path).to.equal('/healthz');
      expect(apiContainer.livenessProbe?.httpGet?.path).to.equal('/livez');
    });

    it('drains: preStop, then SHUTDOWN_TIMEOUT_MS, both inside terminationGracePeriodSeconds', () => {
      const preStop = apiContainer.lifecycle?.preStop?.exec?.command ?? [];
      expect(preStop[0]).to.equal('sleep');
      const shutdownMs = Number(envOf(apiContainer, 'SHUTDOWN_TIMEOUT_MS')?.value);
      const grace = api.spec.template.spec.terminationGracePeriodSeconds ?? 30;
      expect(grace).to.be.greaterThan(Number(preStop[1]) + shutdownMs / 1000);
    });

    it('takes its INSTANCE_ID from the pod name (downward API), for faults aimed at one pod', () => {
      expect(envOf(apiContainer, 'INSTANCE_ID')?.valueFrom).to.deep.equal({ fieldRef: { fieldPath: 'metadata.name' } });
    });

    it('sets only settings of app/config.ts, with values it accepts', () => {
      const names = (apiContainer.env ?? []).map((e) => e.name);
      const unknown = names.filter((n) => ![...CONFIG_KEYS, ...EXPANSION_ONLY].includes(n as never));
      expect(unknown).to.deep.equal([]);
      const settings = Object.fromEntries(
        readYaml<{ configMapGenerator: { name: string; literals?: string[] }[] }>(
          'deploy/kubernetes/base/kustomization.yaml',
        )
          .configMapGenerator.find((g) => g.name === 'fintech-settings')
          ?.literals?.map((l) => l.split(/=(.*)/s).slice(0, 2)) ?? [],
      ) as Record<string, string>;
      expect(Object.keys(settings).filter((n) => !CONFIG_KEYS.includes(n as never))).to.deep.equal([]);
      const literal = Object.fromEntries((apiContainer.env ?? []).flatMap((e) => (e.value ? [[e.name, e.value]] : [])));
      const env = {
        ...settings,
        ...literal,
        DATABASE_URL: String(literal.DATABASE_URL).replace('$(DB_PASSWORD)', 'secret'),
        CHAOS_TOKEN: 'x'.repeat(24),
      };
      expect(() => loadConfig(env)).not.to.throw();
    });

    it('sets requests and a memory limit on every container of the kit', () => {
      const containers = SOURCES.flatMap(({ obj }) =>
        ['Deployment', 'StatefulSet', 'Job'].includes(obj.kind) ? (obj as Workload).spec.template.spec.containers : [],
      );
      expect(containers.length).to.be.greaterThan(3);
      for (const c of containers) {
        expect(c.resources?.requests?.cpu, c.name).to.be.a('string');
        expect(c.resources?.limits?.memory, c.name).to.be.a('string');
      }
    });
  });

  describe('monitoring', () => {
    const prometheusYml = readYaml<{
      global: { scrape_interval: string };
      scrape_configs: { job_name: string }[];
    }>('monitoring/prometheus/prometheus.yml');
    const monitors = SOURCES.filter(({ obj }) => obj.kind === 'ServiceMonitor').map(
      ({ obj }) =>
        obj as K8sObject & {
          spec: { selector: { matchLabels: Record<string, string> }; endpoints: { port: string; interval: string }[] };
        },
    );
    const services = SOURCES.filter(({ obj }) => obj.kind === 'Service').map(
      ({ obj }) => obj as K8sObject & { metadata: { labels: Record<string, string> } },
    );

    it("scrape every job of monitoring/prometheus/prometheus.yml that the kit runs (the operator's own aside)", () => {
      // A ServiceMonitor's job label is the name of the Service it selects.
      const jobs = monitors.flatMap((m) =>
        services
          .filter((s) => Object.entries(m.spec.selector.matchLabels).every(([k, v]) => s.metadata.labels[k] === v))
          .map((s) => s.metadata.name),
      );
      const native = prometheusYml.scrape_configs.map((c) => c.job_name);
      expect(jobs.sort()).to.deep.equal(native.filter((j) => !['alertmanager', 'prometheus'].includes(j)).sort());
    });

    it('scrape at the workshop interval, which the 30 s rule windows need', () => {
      for (const m of monitors)
        for (const e of m.spec.endpoints)
          expect(e.interval, m.metadata.name).to.equal(prometheusYml.global.scrape_interval);
    });

    it('base/generated/ is what deploy/kubernetes/generate.ts makes of monitoring/ now (make k8s-generate)', () => {
      for (const [name, text] of Object.entries(generatedFiles()))
        expect(fs.readFileSync(path.join(GENERATED_DIR, name), 'utf8'), name).to.equal(text);
    });

    it('PrometheusRules hold the same groups and rules as the rule files prometheus.yml loads, one object per file', () => {
      const { ruleFiles, evaluationInterval } = ruleProfile();
      const rules = objectsOf('base/generated/prometheus-rules.yaml') as (K8sObject & { spec: { groups: Group[] } })[];
      expect(rules.map((r) => r.metadata.name)).to.deep.equal(
        ruleFiles.map((f) => `fintech-${path.basename(f, '.yml')}`),
      );
      for (const [i, file] of ruleFiles.entries()) {
        const source = readYaml<{ groups: Group[] }>(path.join('monitoring', 'prometheus', file)).groups;
        const groups = (rules[i] as { spec: { groups: Group[] } }).spec.groups;
        expect(
          groups.map(({ interval: _, ...g }) => g),
          file,
        ).to.deep.equal(source);
        expect(groups.map((g) => g.interval)).to.deep.equal(source.map(() => evaluationInterval));
      }
    });

    it('extracted from the PrometheusRules, pass promtool check rules and the rule unit tests of monitoring/prometheus/tests', () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fintech-k8s-rules-'));
      try {
        fs.mkdirSync(path.join(dir, 'rules'));
        fs.mkdirSync(path.join(dir, 'tests'));
        const extracted: string[] = [];
        for (const rule of objectsOf('base/generated/prometheus-rules.yaml') as (K8sObject & { spec: object })[]) {
          const file = `${rule.metadata.name.replace(/^fintech-/, '')}.yml`;
          fs.writeFileSync(path.join(dir, 'rules', file), JSON.stringify(rule.spec));
          extracted.push(file);
          const check = runTool('promtool', ['check', 'rules', path.join(dir, 'rules', file)]);
          expect(check.code, check.output).to.equal(0);
        }
        const testsDir = path.join(ROOT, 'monitoring', 'prometheus', 'tests');
        const applicable = fs.readdirSync(testsDir).filter((t) => {
          const suite = parse(fs.readFileSync(path.join(testsDir, t), 'utf8')) as { rule_files: string[] };
          return suite.rule_files.every((f) => extracted.includes(path.basename(f)));
        });
        expect(applicable).to.include.members(['alerts.test.yml', 'recording.test.yml', 'slo-workshop.test.yml']);
        for (const t of applicable) fs.copyFileSync(path.join(testsDir, t), path.join(dir, 'tests', t));
        const result = runTool('promtool', ['test', 'rules', ...applicable.map((t) => path.join(dir, 'tests', t))]);
        expect(result.code, result.output).to.equal(0);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    it('AlertmanagerConfig routes and inhibits as monitoring/alertmanager/alertmanager.yml does', () => {
      type Route = { receiver: string; group_by?: string[]; matchers?: string[]; routes?: Route[] };
      const am = readYaml<{ route: Route; receivers: { name: string }[]; inhibit_rules: unknown[] }>(
        'monitoring/alertmanager/alertmanager.yml',
      );
      const config = one(
        objectsOf('base/generated/alertmanager-config.yaml'),
        'AlertmanagerConfig',
        'fintech',
      ) as K8sObject & {
        spec: {
          route: { receiver: string; groupBy: string[]; routes: { receiver: string; matchers: object[] }[] };
          receivers: { name: string }[];
          inhibitRules: unknown[];
        };
      };
      const spec = config.spec;
      expect(spec.route.receiver).to.equal(am.route.receiver);
      expect(spec.route.groupBy).to.deep.equal(am.route.group_by);
      expect(spec.route.routes.map((r) => [r.receiver, r.matchers])).to.deep.equal(
        am.route.routes?.map((r) => [r.receiver, r.matchers?.map(matcher)]),
      );
      expect(spec.receivers.map((r) => r.name)).to.deep.equal(am.receivers.map((r) => r.name));
      expect(spec.inhibitRules).to.have.lengthOf(am.inhibit_rules.length);
    });

    it('reads each Alertmanager matcher form, and refuses one it cannot read', () => {
      expect(matcher('severity=~"critical|page"')).to.deep.equal({
        name: 'severity',
        matchType: '=~',
        value: 'critical|page',
      });
      expect(matcher('alertname!="FintechApiDown"')).to.deep.equal({
        name: 'alertname',
        matchType: '!=',
        value: 'FintechApiDown',
      });
      expect(matcher('alertname="X"').matchType).to.equal('=');
      expect(() => matcher('not a matcher')).to.throw(/cannot read/);
    });
  });

  it('use the images docker-compose.yml pins for PostgreSQL and its exporter', () => {
    const compose = readYaml<{ services: Record<string, { image: string }> }>('docker-compose.yml');
    const images = readYaml<{ images: { name: string; newName: string; newTag: string }[] }>(
      'deploy/kubernetes/base/kustomization.yaml',
    ).images.map((i) => `${i.newName}:${i.newTag}`);
    expect(images).to.include.members([compose.services.postgres?.image, compose.services['postgres-exporter']?.image]);
  });
});

describeUnless(kustomizeUnavailable(), 'Kubernetes overlays, rendered with kubectl kustomize', function () {
  this.timeout(120_000);
  let models: Record<string, Model>;
  const rendered: Record<string, K8sObject[]> = {};
  const teamDir = path.join(K8S_DIR, 'teams', `test-${process.pid}`);
  before(async () => {
    models = await loadModels();
    // A team's own kustomization, as docs/kubernetes.md has facilitators write it (teams/ is untracked).
    fs.mkdirSync(teamDir, { recursive: true });
    fs.writeFileSync(path.join(teamDir, 'kustomization.yaml'), 'namespace: team-a\nresources: [../../overlays/team]\n');
    for (const dir of ['overlays/local', 'overlays/team', path.relative(K8S_DIR, teamDir), 'scenario-job'])
      rendered[dir.startsWith('teams/') ? 'team-a' : dir] = render(path.join('deploy/kubernetes', dir));
  });
  after(() => fs.rmSync(teamDir, { recursive: true, force: true }));

  it('renders every overlay into objects the schemas accept', () => {
    for (const [name, objects] of Object.entries(rendered)) {
      expect(objects.length, name).to.be.greaterThan(0);
      expect(
        objects.flatMap((o) => schemaProblem(models, o) ?? []),
        name,
      ).to.deep.equal([]);
    }
  });

  for (const [overlay, namespace] of [
    ['overlays/local', 'fintech'],
    ['overlays/team', 'fintech-team'],
    ['team-a', 'team-a'],
  ] as const) {
    it(`${overlay} puts everything in namespace ${namespace}, its Namespace object included`, () => {
      const objects = rendered[overlay] ?? [];
      expect(one(objects, 'Namespace', namespace)).to.not.equal(undefined);
      const elsewhere = objects.filter((o) => o.kind !== 'Namespace' && o.metadata.namespace !== namespace);
      expect(elsewhere.map((o) => `${o.kind}/${o.metadata.name}`)).to.deep.equal([]);
    });
  }

  it('fills the ConfigMaps from init.sql, the exporter queries and the dashboards, byte for byte', () => {
    const objects = rendered['overlays/local'] ?? [];
    const data = (prefix: string) =>
      byKind(objects, 'ConfigMap').find((c) => c.metadata.name.startsWith(`${prefix}-`))?.data ?? {};
    const file = (rel: string) => fs.readFileSync(path.join(ROOT, rel), 'utf8');
    expect(data('init-sql')['01-init.sql']).to.equal(file('init.sql'));
    expect(data('postgres-exporter-queries')['queries.yml']).to.equal(file('monitoring/postgres-exporter/queries.yml'));
    const dashboards = byKind(objects, 'ConfigMap').find((c) => c.metadata.name.startsWith('fintech-dashboards-'));
    const values = readYaml<{ grafana: { sidecar: { dashboards: { label: string; labelValue: string } } } }>(
      'deploy/kubernetes/kube-prometheus-stack.values.yaml',
    ).grafana.sidecar.dashboards;
    expect(dashboards?.metadata.labels?.[values.label]).to.equal(values.labelValue);
    for (const name of Object.keys(dashboards?.data ?? {}))
      expect(dashboards?.data?.[name], name).to.equal(file(`monitoring/grafana/dashboards/${name}`));
    expect(Object.keys(dashboards?.data ?? {})).to.have.lengthOf(3);
  });

  it('runs the API and the scenarios from the images docker-compose.yml builds (local overlay)', () => {
    const compose = readYaml<{ services: Record<string, { image: string }> }>('docker-compose.yml');
    const image = (objects: K8sObject[], kind: string, name: string) =>
      (one(objects, kind, name) as Workload).spec.template.spec.containers[0]?.image;
    expect(image(rendered['overlays/local'] ?? [], 'Deployment', 'fintech-api')).to.equal(compose.services.api?.image);
    expect(image(rendered['scenario-job'] ?? [], 'Job', 'fintech-scenario')).to.equal(
      compose.services.scenarios?.image,
    );
  });

  it('wires the generated ConfigMap names into the pods that mount them', () => {
    const objects = rendered['overlays/local'] ?? [];
    const names = byKind(objects, 'ConfigMap').map((c) => c.metadata.name);
    const pods = JSON.stringify(objects.filter((o) => ['Deployment', 'StatefulSet'].includes(o.kind)));
    const used = [...new Set([...pods.matchAll(/"configMap(?:Ref)?":\{"name":"([^"]+)"/g)].map((m) => m[1] as string))];
    expect(used).to.have.lengthOf(3);
    for (const name of used) expect(names).to.include(name);
  });
});
