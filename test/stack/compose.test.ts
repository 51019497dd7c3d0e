import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import YAML from 'yaml';
import { ensureTools, ROOT, run } from './helpers';

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
}

const compose = YAML.parse(fs.readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8')) as { services: Record<string, Service> };
const services = compose.services;

function readYaml<T>(file: string): T {
  return YAML.parse(fs.readFileSync(path.join(ROOT, file), 'utf8')) as T;
}

/** The repository path a service sees at `containerPath`, through its bind mounts. */
function hostPathOf(service: Service, containerPath: string): string | undefined {
  for (const volume of service.volumes ?? []) {
    const [source, target] = volume.split(':');
    if (source === undefined || target === undefined || !source.startsWith('./')) continue;
    if (containerPath === target || containerPath.startsWith(`${target}/`)) {
      return path.join(ROOT, source, path.relative(target, containerPath));
    }
  }
  return undefined;
}

function flag(service: Service, name: string): string | undefined {
  return service.command?.find((arg) => arg.startsWith(`${name}=`))?.slice(name.length + 1);
}

describe('docker-compose.yml', () => {
  before(function () {
    this.timeout(300_000);
    ensureTools({ compose: true });
  });

  it('passes docker-compose config validation', function () {
    this.timeout(60_000);
    const { status, output } = run('docker-compose', ['-f', 'docker-compose.yml', 'config', '-q']);
    expect(status, output).to.equal(0);
  });

  it('publishes the workshop ports, on 127.0.0.1 only', () => {
    const published = Object.values(services).flatMap((s) => s.ports ?? []);
    expect(published.filter((p) => !p.startsWith('127.0.0.1:'))).to.deep.equal([]);
    for (const port of [5000, 9090, 9093, 3000, 16686]) {
      expect(published, `port ${port}`).to.include(`127.0.0.1:${port}:${port}`);
    }
  });

  it('gives every service a healthcheck, and waits only on services that have one', () => {
    for (const [name, service] of Object.entries(services)) {
      expect(service.healthcheck, `${name} healthcheck`).to.not.equal(undefined);
      for (const [dependency, { condition }] of Object.entries(service.depends_on ?? {})) {
        expect(services[dependency], `${name} depends on ${dependency}`).to.not.equal(undefined);
        if (condition === 'service_healthy') expect(services[dependency]?.healthcheck, dependency).to.not.equal(undefined);
      }
    }
  });

  it('mounts only files that exist in the repository', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0] ?? '';
        if (source.startsWith('./')) expect(fs.existsSync(path.join(ROOT, source)), `${name}: ${source}`).to.equal(true);
      }
    }
  });

  it('runs Prometheus and Alertmanager on their Docker configs from the repository', () => {
    for (const name of ['prometheus', 'alertmanager']) {
      const service = services[name] as Service;
      const config = flag(service, '--config.file');
      expect(config, `${name} --config.file`).to.match(/\.docker\.yml$/);
      const hostPath = hostPathOf(service, config as string);
      expect(hostPath !== undefined && fs.existsSync(hostPath), `${name}: ${config} is mounted from the repository`).to.equal(true);
    }
  });

  it('has Prometheus scrape services that exist, at ports they publish', () => {
    const config = readYaml<{ scrape_configs: { static_configs: { targets: string[] }[] }[] }>('config/prometheus/prometheus.docker.yml');
    const targets = config.scrape_configs.flatMap((s) => s.static_configs.flatMap((c) => c.targets));
    expect(targets).to.not.be.empty;
    for (const target of targets) {
      const [host, port] = target.split(':');
      const service = services[host ?? ''];
      expect(service, `scrape target ${target}`).to.not.equal(undefined);
      expect((service?.ports ?? []).some((p) => p.endsWith(`:${port}`)), `${host} listens on ${port}`).to.equal(true);
    }
  });

  it('has Alertmanager notify the alert-sink service on its port', () => {
    const config = readYaml<{ receivers: { webhook_configs?: { url: string }[] }[] }>('config/alertmanager/alertmanager.docker.yml');
    const urls = config.receivers.flatMap((r) => (r.webhook_configs ?? []).map((w) => w.url));
    expect(urls).to.not.be.empty;
    const sinkPort = services['alert-sink']?.environment?.['ALERT_SINK_PORT'];
    expect(new Set(urls)).to.deep.equal(new Set([`http://alert-sink:${sinkPort}/alerts`]));
  });

  it('runs the alert sink from the API image, on all interfaces', () => {
    const sink = services['alert-sink'] as Service;
    expect(sink.image).to.equal(services['api']?.image);
    expect(sink.command).to.deep.equal(['node', 'dist/stack/alert-sink.js']);
    expect(sink.environment?.['ALERT_SINK_HOST']).to.equal('0.0.0.0');
  });

  it('configures the API for the container network: all interfaces, Compose PostgreSQL, Jaeger', () => {
    const env = services['api']?.environment ?? {};
    expect(env['HOST']).to.equal('0.0.0.0');
    expect(new URL(env['DATABASE_URL'] ?? '').host).to.equal('postgres:5432');
    expect(env['OTEL_EXPORTER_OTLP_ENDPOINT']).to.equal('http://jaeger:4318');
    expect(services['api']?.depends_on?.['postgres']?.condition).to.equal('service_healthy');
  });

  it('loads init.sql into the PostgreSQL container and the dashboards where Grafana looks for them', () => {
    expect(services['postgres']?.volumes).to.include('./init.sql:/docker-entrypoint-initdb.d/01-init.sql:ro');
    const providers = readYaml<{ providers: { options: { path: string } }[] }>('config/grafana/provisioning/dashboards/dashboards.yml');
    for (const provider of providers.providers) {
      expect(hostPathOf(services['grafana'] as Service, provider.options.path)).to.equal(path.join(ROOT, 'config/grafana/dashboards'));
    }
  });
});

describe('Dockerfile', () => {
  const dockerfile = fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
  const finalStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));

  it('runs the final image as a non-root user', () => {
    const user = /^USER\s+(\S+)/m.exec(finalStage)?.[1];
    expect(user).to.be.a('string').and.not.match(/^(root|0)$/);
  });

  it('ships what the API reads at run time: package.json (the project root marker) and init.sql', () => {
    expect(finalStage).to.match(/^COPY package\.json init\.sql \.\/$/m);
  });

  it('keeps the state directory, dependencies and build output out of the build context', () => {
    const ignored = fs.readFileSync(path.join(ROOT, '.dockerignore'), 'utf8').split('\n');
    expect(ignored).to.include.members(['.run', 'node_modules', 'dist', '.git']);
  });
});
