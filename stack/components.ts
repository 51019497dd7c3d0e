import fs from 'node:fs';
import path from 'node:path';
import { exporterVersionOf, postgresExporterFlags } from './exporter';
import { DATABASE, type ComponentName, type Profile, type ResolvedOptions } from './options';
import { httpProbe, postgresProbe } from './probes';
import { readCmdline } from './process';
import { liveJournalFile } from '../scenarios/lib/report';
import { renderAlertmanagerConfig, renderPrometheusConfig } from './render';
import type { Tool } from './tools';
import { waitUntil, type HealthProbe } from '../kit/wait';

/**
 * glibc raises its mmap threshold to the size of the largest block freed (up to 32 MB): after the first
 * memory-leak reset, the next leak's buffers come from the heap, which a reset does not give back, and
 * case 4 could not run twice on one API. A fixed threshold keeps every large buffer mmap'd
 * (docs/performance.md, "RSS after a reset"). The Dockerfile sets the same.
 */
export const API_MALLOC_ENV = { MALLOC_MMAP_THRESHOLD_: '131072' } as const;

/** Prometheus config per profile, under monitoring/prometheus/. */
export const PROMETHEUS_CONFIGS: Readonly<Record<Profile, string>> = {
  workshop: 'prometheus.yml',
  fast: 'prometheus.fast.yml',
};

/** How to run, check and stop one process of the native stack. */
export interface Component {
  name: ComponentName;
  /** host:port it listens on. */
  address: string;
  /** What a person opens or connects to. */
  url: string;
  /** Health check, for readiness (polled) and `status` (once). */
  probe: HealthProbe;
  /** Renders configs and checks what the process needs; runs before any component starts. */
  prepare?(): void;
  command(tools: Record<Tool, string>): { argv: string[]; env: NodeJS.ProcessEnv; cwd: string };
  /** Runs after the process is stopped: releases what it may have left behind, and says what it did. */
  afterStop?(): Promise<string | undefined>;
}

/** Where each kind of state lives inside the state directory. */
export function statePaths(stateDir: string) {
  return {
    stackFile: path.join(stateDir, 'stack.json'),
    pids: path.join(stateDir, 'pids'),
    log: (name: ComponentName) => path.join(stateDir, 'logs', `${name}.log`),
    dir: (name: ComponentName) => path.join(stateDir, name),
    postgresData: path.join(stateDir, 'postgres', 'data'),
    alertsFile: path.join(stateDir, 'alert-sink', 'alerts.jsonl'),
  };
}

export function defineComponents(o: ResolvedOptions): Record<ComponentName, Component> {
  const paths = statePaths(o.stateDir);
  const { ports } = o;
  const databaseUrl = `postgres://${DATABASE.user}:${DATABASE.password}@127.0.0.1:${ports.postgres}/${DATABASE.name}`;
  const riskUrl = `http://127.0.0.1:${ports.risk}`;
  const withEnv = (extra: Record<string, string>): NodeJS.ProcessEnv => ({ ...process.env, ...extra });
  const reportsDir = process.env['REPORTS_DIR'] ?? path.join(o.root, 'reports');
  /** A component serving HTTP on 127.0.0.1:port: its address, its URL (+ path) and a probe of readyPath. */
  const http = (port: number, urlPath: string, readyPath: string) => ({
    address: `127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}${urlPath}`,
    probe: httpProbe(`http://127.0.0.1:${port}${readyPath}`),
  });

  return {
    postgres: {
      name: 'postgres',
      address: `127.0.0.1:${ports.postgres}`,
      url: databaseUrl,
      probe: postgresProbe(databaseUrl),
      command: () => ({
        argv: nodeScript('postgres-server'),
        env: withEnv({ PG_DATA_DIR: paths.postgresData, PG_PORT: String(ports.postgres) }),
        cwd: o.root,
      }),
      afterStop: () => stopOrphanedPostmaster(paths.postgresData),
    },
    'postgres-exporter': {
      name: 'postgres-exporter',
      address: `127.0.0.1:${ports.postgresExporter}`,
      url: `http://127.0.0.1:${ports.postgresExporter}/metrics`,
      probe: httpProbe(`http://127.0.0.1:${ports.postgresExporter}/metrics`, (body) =>
        /^pg_up 1$/m.test(body) ? undefined : 'pg_up is not 1 (exporter cannot reach PostgreSQL)',
      ),
      command: (tools) => ({
        argv: [
          tools.postgresExporter,
          `--web.listen-address=127.0.0.1:${ports.postgresExporter}`,
          ...postgresExporterFlags(exporterVersionOf(tools.postgresExporter)),
          // PostgreSQL's own view of the sessions waiting in pg_sleep or on locks (case 3)
          `--extend.query-path=${path.join(o.root, 'monitoring', 'postgres-exporter', 'queries.yml')}`,
        ],
        env: withEnv({ DATA_SOURCE_NAME: `${databaseUrl}?sslmode=disable` }),
        cwd: o.stateDir,
      }),
    },
    'alert-sink': {
      name: 'alert-sink',
      ...http(ports.alertSink, '/alerts', '/healthz'),
      command: () => ({
        argv: nodeScript('alert-sink'),
        env: withEnv({
          ALERT_SINK_HOST: '127.0.0.1',
          ALERT_SINK_PORT: String(ports.alertSink),
          ALERT_SINK_FILE: paths.alertsFile,
        }),
        cwd: o.root,
      }),
    },
    alertmanager: {
      name: 'alertmanager',
      ...http(ports.alertmanager, '', '/-/ready'),
      prepare: () => {
        const source = path.join(o.root, 'monitoring', 'alertmanager', 'alertmanager.yml');
        writeFile(
          path.join(paths.dir('alertmanager'), 'alertmanager.yml'),
          renderAlertmanagerConfig(source, ports, o.telegram),
        );
      },
      command: (tools) => ({
        argv: [
          tools.alertmanager,
          `--config.file=${path.join(paths.dir('alertmanager'), 'alertmanager.yml')}`,
          `--storage.path=${path.join(paths.dir('alertmanager'), 'data')}`,
          `--web.listen-address=127.0.0.1:${ports.alertmanager}`,
          // empty: no gossip port (it would open *:9094)
          '--cluster.listen-address=',
        ],
        env: process.env,
        cwd: paths.dir('alertmanager'),
      }),
    },
    risk: {
      name: 'risk',
      ...http(ports.risk, '', '/livez'),
      prepare: () => assertEntryExists(o.root, o.riskCommand),
      command: () => ({
        argv: o.riskCommand,
        env: withEnv({
          PORT: String(ports.risk),
          HOST: '127.0.0.1',
          DATABASE_URL: databaseUrl,
          // the API's log level and chaos settings apply to the risk service too
          ...pick(o.apiEnv, ['LOG_LEVEL', 'CHAOS_ENABLED', 'CHAOS_TOKEN', 'OTEL_EXPORTER_OTLP_ENDPOINT']),
        }),
        cwd: o.root,
      }),
    },
    api: {
      name: 'api',
      ...http(ports.api, '', '/livez'),
      prepare: () => assertEntryExists(o.root, o.apiCommand),
      command: (tools) => {
        const env = withEnv({
          ...API_MALLOC_ENV,
          PORT: String(ports.api),
          HOST: '127.0.0.1',
          DATABASE_URL: databaseUrl,
          // the risk check only when this stack runs the risk service
          ...(o.components.includes('risk') ? { RISK_URL: riskUrl } : {}),
          ...o.apiEnv,
        });
        if (o.replicas === 1) return { argv: o.apiCommand, env, cwd: o.root };
        // Replicas behind HAProxy, as one process group the launcher starts and stops (stack/api-replicas.ts).
        return {
          argv: nodeScript('api-replicas'),
          env: {
            ...env,
            REPLICAS: String(o.replicas),
            REPLICAS_DIR: paths.dir('api'),
            API_COMMAND: JSON.stringify(o.apiCommand),
            HAPROXY_BIN: tools.haproxy,
          },
          cwd: o.root,
        };
      },
    },
    prometheus: {
      name: 'prometheus',
      ...http(ports.prometheus, '', '/-/ready'),
      prepare: () => {
        const source = path.join(o.root, 'monitoring', 'prometheus', PROMETHEUS_CONFIGS[o.profile]);
        writeFile(
          path.join(paths.dir('prometheus'), 'prometheus.yml'),
          renderPrometheusConfig(source, ports, o.replicas),
        );
      },
      command: (tools) => ({
        argv: [
          tools.prometheus,
          `--config.file=${path.join(paths.dir('prometheus'), 'prometheus.yml')}`,
          `--storage.tsdb.path=${path.join(paths.dir('prometheus'), 'data')}`,
          `--web.listen-address=127.0.0.1:${ports.prometheus}`,
          '--web.enable-lifecycle',
          // the default 1m would hold back a re-sent alert for a whole minute in a 1 s test
          ...(o.profile === 'fast' ? ['--rules.alert.resend-delay=1s'] : []),
        ],
        env: process.env,
        cwd: paths.dir('prometheus'),
      }),
    },
    'control-room': {
      name: 'control-room',
      address: `127.0.0.1:${ports.controlRoom}`,
      url: `http://127.0.0.1:${ports.controlRoom}`,
      probe: httpProbe(`http://127.0.0.1:${ports.controlRoom}/healthz`),
      command: () => ({
        argv: nodeScript(path.join('..', 'control-room', 'server')),
        env: withEnv({
          CONTROL_ROOM_HOST: '127.0.0.1',
          CONTROL_ROOM_PORT: String(ports.controlRoom),
          API_URL: `http://127.0.0.1:${ports.api}`,
          RISK_URL: riskUrl,
          PROMETHEUS_URL: `http://127.0.0.1:${ports.prometheus}`,
          ALERTMANAGER_URL: `http://127.0.0.1:${ports.alertmanager}`,
          JOURNAL_FILE: liveJournalFile(reportsDir),
          // a game started from the page writes its debrief next to the scenarios' reports and needs the token
          REPORTS_DIR: reportsDir,
          ...pick(o.apiEnv, ['CHAOS_TOKEN']),
        }),
        cwd: o.root,
      }),
    },
  };
}

/** argv running one of this folder's scripts: through tsx from source, or plain node once compiled. */
function nodeScript(name: string): string[] {
  const fromSource = __filename.endsWith('.ts');
  const file = path.join(__dirname, `${name}${fromSource ? '.ts' : '.js'}`);
  return fromSource ? [process.execPath, '--import', 'tsx', file] : [process.execPath, file];
}

/** A command's script must exist before anything starts (a missing build fails early). */
function assertEntryExists(root: string, argv: readonly string[]): void {
  const entry = argv.find((arg) => /\.[cm]?[jt]s$/.test(arg));
  if (entry !== undefined && !fs.existsSync(path.resolve(root, entry))) {
    throw new Error(`${path.relative(root, path.resolve(root, entry))} does not exist: run \`npm run build\` first`);
  }
}

function pick(env: Record<string, string>, keys: readonly string[]): Record<string, string> {
  return Object.fromEntries(keys.flatMap((k) => (env[k] === undefined ? [] : [[k, env[k]]])));
}

function writeFile(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
}

/**
 * If the supervisor was SIGKILLed, the server it started is still running. The first line of
 * postmaster.pid names it; SIGINT is PostgreSQL's fast, clean shutdown.
 */
async function stopOrphanedPostmaster(dataDir: string): Promise<string | undefined> {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return undefined;
  }
  const isOurPostmaster = (): boolean => readCmdline(pid)?.join(' ').includes(dataDir) ?? false;
  if (!isOurPostmaster()) return undefined;
  process.kill(pid, 'SIGINT');
  const stopped = await waitUntil(`PostgreSQL server ${pid} to stop`, () => !isOurPostmaster(), {
    timeoutMs: 10_000,
    intervalMs: 50,
  }).catch(() => false);
  return stopped
    ? `stopped PostgreSQL server ${pid}, left running by a killed supervisor`
    : `PostgreSQL server ${pid} left running by a killed supervisor did not stop`;
}
