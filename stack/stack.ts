import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defineComponents, statePaths, type Component } from './components';
import {
  COMPONENT_NAMES,
  DEFAULT_PORTS,
  resolveOptions,
  type ComponentName,
  type Ports,
  type Profile,
  type ResolvedOptions,
  type StackOptions,
} from './options';
import { replicaLayout } from './haproxy';
import { httpProbe, isPortFree } from './probes';
import {
  isRecordedProcessRunning,
  ProcessRecords,
  spawnDetached,
  stopRecordedProcess,
  tailLog,
  type StopOutcome,
} from './process';
import { waitForTargetsUp } from './targets';
import { requireTools, type Tool } from './tools';
import { describeError, waitHealthy, WaitError } from '../kit/wait';

/** URLs of a running stack. */
export interface StackUrls {
  api: string;
  prometheus: string;
  alertmanager: string;
  postgresExporter: string;
  alertSink: string;
  risk: string;
  /** The control room: the page to break the system and watch it. */
  controlRoom: string;
  /** postgres://… connection string of the `fintech` database. */
  postgres: string;
}

/** Health of one component: `reason` says why it is not healthy. */
export interface ComponentStatus {
  /** A component, or one API replica (api-1, ...) behind HAProxy. */
  name: ComponentName | `api-${number}` | 'haproxy-metrics';
  url: string;
  healthy: boolean;
  reason?: string;
  pid?: number;
}

/** A started native stack. */
export interface Stack {
  readonly stateDir: string;
  readonly profile: Profile;
  readonly ports: Readonly<Ports>;
  readonly urls: Readonly<StackUrls>;
  readonly components: readonly ComponentName[];
  status(): Promise<ComponentStatus[]>;
  /** Stops every process this stack started; safe to call twice. */
  stop(): Promise<void>;
}

/** What `up` writes to the state directory so that `down` and `status` need no options. */
export interface StackState {
  profile: Profile;
  ports: Ports;
  components: ComponentName[];
  replicas?: number;
  startedAt: string;
}

/** Components that must be ready before another starts. */
const DEPENDENCIES: Readonly<Record<ComponentName, readonly ComponentName[]>> = {
  postgres: [],
  'postgres-exporter': ['postgres'],
  'alert-sink': [],
  alertmanager: ['alert-sink'],
  risk: ['postgres'],
  api: ['postgres', 'risk'],
  // last, so its first scrapes find every target up and alerts have somewhere to go
  prometheus: ['postgres-exporter', 'alertmanager', 'risk', 'api'],
  // it only reads the others on demand: nothing to wait for
  'control-room': [],
};

const TOOLS_OF: Partial<Record<ComponentName, Tool>> = {
  prometheus: 'prometheus',
  alertmanager: 'alertmanager',
  'postgres-exporter': 'postgresExporter',
};

export class StackError extends Error {
  override name = 'StackError';
}

/** startStack found processes of an earlier start still running in the same state directory. */
export class StackRunningError extends StackError {
  override name = 'StackRunningError';
}

/**
 * Starts the native stack: each component as a detached process of its own, in dependency order,
 * each awaited with a deadline; then waits until Prometheus scrapes every target of the stack.
 * On any failure it stops what it started and rejects with the failing component's log tail.
 */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const o = resolveOptions(options);
  const progress = options.onProgress ?? (() => undefined);
  const paths = statePaths(o.stateDir);
  assertNotRunning(o.stateDir);

  const needed = o.components.flatMap((c) => TOOLS_OF[c] ?? []);
  const tools =
    needed.length > 0
      ? requireTools(o.root, { install: o.ensureTools, onProgress: progress })
      : ({} as Record<Tool, string>);
  const components = defineComponents(o);
  await assertPortsFree(o.components.map((c) => components[c]));

  fs.mkdirSync(o.stateDir, { recursive: true });
  // as root the server runs as user postgres, which must be able to enter the state directory
  if (os.userInfo().uid === 0) fs.chmodSync(o.stateDir, 0o755);
  // rendering and checks first: a bad config or a missing build fails before anything starts
  for (const name of o.components) components[name].prepare?.();
  const state: StackState = {
    profile: o.profile,
    ports: o.ports,
    components: [...o.components],
    replicas: o.replicas,
    startedAt: new Date().toISOString(),
  };
  fs.writeFileSync(paths.stackFile, JSON.stringify(state, null, 2) + '\n');

  const stopping = new AbortController();
  const signal = stopping.signal;
  options.signal?.addEventListener('abort', () => stopping.abort(), { once: true });
  try {
    await startInOrder(o, components, tools, { signal, onFailure: () => stopping.abort() }, progress);
    if (o.components.includes('prometheus')) await awaitTargets(o, components, signal, progress);
  } catch (err) {
    progress('… stopping what was started');
    await stopStack(o.stateDir);
    if (options.signal?.aborted) throw new StackError('interrupted: stopped what was started');
    throw err;
  }
  return stackHandle(o);
}

async function startInOrder(
  o: ResolvedOptions,
  components: Record<ComponentName, Component>,
  tools: Record<Tool, string>,
  { signal, onFailure }: { signal: AbortSignal; onFailure: () => void },
  progress: (line: string) => void,
): Promise<void> {
  const records = new ProcessRecords(statePaths(o.stateDir).pids);
  const started = new Map<ComponentName, Promise<void>>();
  const start = async (name: ComponentName): Promise<void> => {
    await Promise.all(DEPENDENCIES[name].flatMap((d) => started.get(d) ?? []));
    if (signal.aborted) return;
    const component = components[name];
    const began = Date.now();
    const log = statePaths(o.stateDir).log(name);
    try {
      const { argv, env, cwd } = component.command(tools);
      const child = spawnDetached(name, argv, { cwd, env, logFile: log });
      records.write(child.record);
      await waitHealthy(`${name} on ${component.address}`, component.probe, {
        timeoutMs: o.readyTimeoutMs,
        signal,
        giveUp: () => child.exitReason(),
      });
    } catch (err) {
      if (signal.aborted) return;
      onFailure();
      const reason = err instanceof WaitError ? err.reason : describeError(err);
      progress(`✘ ${name.padEnd(18)}${component.address.padEnd(17)}${reason}`);
      throw new StackError(`${name} did not start: ${reason}${formatLogTail(log, o.root)}`);
    }
    progress(`✔ ${name.padEnd(18)}${component.address.padEnd(17)}(${seconds(began)})`);
  };
  // COMPONENT_NAMES lists dependencies first, so each is registered before a dependent looks it up
  for (const name of o.components) started.set(name, start(name));
  const results = await Promise.allSettled(started.values());
  const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure) throw failure.reason;
  if (signal.aborted) throw new StackError('interrupted');
}

async function awaitTargets(
  o: ResolvedOptions,
  components: Record<ComponentName, Component>,
  signal: AbortSignal,
  progress: (line: string) => void,
): Promise<void> {
  const began = Date.now();
  const own = new Set([...o.components.map((c) => components[c].address), ...replicaAddresses(o)]);
  try {
    const { up, skipped } = await waitForTargetsUp(components.prometheus.url, own, {
      timeoutMs: o.targetsTimeoutMs,
      signal,
    });
    progress(`✔ Prometheus scrapes ${up.length} targets up (${seconds(began)})`);
    if (skipped.length > 0) {
      progress(`· not started here, not awaited: ${skipped.map((t) => `${t.job} (${t.address})`).join(', ')}`);
    }
  } catch (err) {
    const reason = err instanceof WaitError ? err.reason : describeError(err);
    progress(`✘ Prometheus targets: ${reason}`);
    throw new StackError(`Prometheus does not see every target up: ${reason}`);
  }
}

/** Stops, by their recorded pids, the processes a stack started in `stateDir`; safe to call twice. */
export async function stopStack(
  stateDir?: string,
  onProgress: (line: string) => void = () => undefined,
): Promise<{ name: ComponentName; outcome: StopOutcome }[]> {
  const o = resolveOptions(stateDir === undefined ? {} : { stateDir });
  const paths = statePaths(o.stateDir);
  const state = readStackState(o.stateDir);
  const components = defineComponents(resolveOptions({ stateDir: o.stateDir, ports: state?.ports ?? DEFAULT_PORTS }));
  const records = new ProcessRecords(paths.pids);
  const stopOne = async (name: ComponentName): Promise<{ name: ComponentName; outcome: StopOutcome }> => {
    const record = records.read(name);
    const outcome = record ? await stopRecordedProcess(record, { timeoutMs: 15_000 }) : 'not running';
    if (record)
      onProgress(outcome === 'not running' ? `· ${name} was not running` : `✔ ${name} ${outcome} (pid ${record.pid})`);
    const cleanup = await components[name].afterStop?.();
    if (cleanup !== undefined) onProgress(`✔ ${name}: ${cleanup}`);
    records.remove(name);
    return { name, outcome };
  };
  // PostgreSQL last: the API and the exporter hold connections to it
  const others = await Promise.all(COMPONENT_NAMES.filter((n) => n !== 'postgres').map(stopOne));
  const postgres = await stopOne('postgres');
  fs.rmSync(paths.stackFile, { force: true });
  return [...others, postgres];
}

/** Health of each component of the stack in `stateDir` (or, with no native stack there, of whatever answers on the ports). */
export async function stackStatus(options: StackOptions = {}): Promise<ComponentStatus[]> {
  const o = resolveOptions(options);
  const state = readStackState(o.stateDir);
  const resolved = state
    ? resolveOptions({ ...options, ports: state.ports, components: state.components, replicas: state.replicas ?? 1 })
    : o;
  const components = defineComponents(resolved);
  const records = new ProcessRecords(statePaths(o.stateDir).pids);
  const statuses = await Promise.all(
    resolved.components.map(async (name): Promise<ComponentStatus> => {
      const component = components[name];
      const record = records.read(name);
      const base = { name, url: component.url, ...(record ? { pid: record.pid } : {}) };
      if (record && !isRecordedProcessRunning(record)) {
        return {
          ...base,
          healthy: false,
          reason: `process ${record.pid} exited; its log: ${displayPath(record.log, o.root)}`,
        };
      }
      const reason = await component.probe().catch((err: unknown) => describeError(err));
      return reason === undefined ? { ...base, healthy: true } : { ...base, healthy: false, reason };
    }),
  );
  if (resolved.replicas === 1 || !resolved.components.includes('api')) return statuses;
  return [...statuses, ...(await replicaStatuses(resolved))];
}

/** Each replica's own health, and HAProxy's Prometheus endpoint, when the API runs as replicas. */
async function replicaStatuses(o: ResolvedOptions): Promise<ComponentStatus[]> {
  const layout = replicaLayout(o.ports.api, o.replicas);
  const probes: [ComponentStatus['name'], string][] = [
    ...layout.replicas.map((r): [ComponentStatus['name'], string] => [
      r.id as `api-${number}`,
      `http://127.0.0.1:${r.port}/livez`,
    ]),
    ['haproxy-metrics', `http://127.0.0.1:${layout.metricsPort}/metrics`],
  ];
  return Promise.all(
    probes.map(async ([name, url]) => {
      const reason = await httpProbe(url)().catch((err: unknown) => describeError(err));
      return reason === undefined ? { name, url, healthy: true } : { name, url, healthy: false, reason };
    }),
  );
}

function replicaAddresses(o: ResolvedOptions): string[] {
  if (o.replicas === 1 || !o.components.includes('api')) return [];
  const layout = replicaLayout(o.ports.api, o.replicas);
  return [...layout.replicas.map((r) => `127.0.0.1:${r.port}`), `127.0.0.1:${layout.metricsPort}`];
}

export function readStackState(stateDir: string): StackState | undefined {
  try {
    return JSON.parse(fs.readFileSync(statePaths(stateDir).stackFile, 'utf8')) as StackState;
  } catch {
    return undefined;
  }
}

/** URLs of the stack's components for the given ports. */
export function stackUrls(ports: Ports): StackUrls {
  const c = defineComponents(resolveOptions({ ports }));
  return {
    api: c.api.url,
    prometheus: c.prometheus.url,
    alertmanager: c.alertmanager.url,
    postgresExporter: c['postgres-exporter'].url,
    alertSink: c['alert-sink'].url,
    risk: c.risk.url,
    controlRoom: c['control-room'].url,
    postgres: c.postgres.url,
  };
}

function stackHandle(o: ResolvedOptions): Stack {
  return {
    stateDir: o.stateDir,
    profile: o.profile,
    ports: Object.freeze({ ...o.ports }),
    urls: Object.freeze(stackUrls(o.ports)),
    components: o.components,
    status: () => stackStatus({ stateDir: o.stateDir }),
    stop: async () => {
      await stopStack(o.stateDir);
    },
  };
}

function assertNotRunning(stateDir: string): void {
  const records = new ProcessRecords(statePaths(stateDir).pids);
  const running = COMPONENT_NAMES.filter((name) => {
    const record = records.read(name);
    return record !== undefined && isRecordedProcessRunning(record);
  });
  if (running.length > 0) {
    throw new StackRunningError(
      `a stack is already running from ${stateDir} (${running.join(', ')}): stop it first (down)`,
    );
  }
}

async function assertPortsFree(components: Component[]): Promise<void> {
  const busy: string[] = [];
  for (const c of components) {
    const port = Number(c.address.split(':')[1]);
    if (!(await isPortFree(port))) busy.push(`${c.address} (${c.name})`);
  }
  if (busy.length > 0) {
    throw new StackError(
      `already in use: ${busy.join(', ')}. Another stack (make down, or docker compose down) or another program holds it; ` +
        'or choose other ports (API_PORT, PROMETHEUS_PORT, ALERTMANAGER_PORT, PG_PORT, PG_EXPORTER_PORT, ALERT_SINK_PORT, CONTROL_ROOM_PORT, RISK_PORT)',
    );
  }
}

function formatLogTail(log: string, root: string): string {
  const lines = tailLog(log, 15);
  if (lines.length === 0) return `\n  (${displayPath(log, root)} is empty)`;
  return `\n  last lines of ${displayPath(log, root)}:\n${lines.map((l) => `    ${l}`).join('\n')}`;
}

/** Relative to the project when inside it (".run/logs/api.log"), absolute otherwise. */
function displayPath(file: string, root: string): string {
  const relative = path.relative(root, file);
  return relative.startsWith('..') ? file : relative;
}

function seconds(since: number): string {
  return `${((Date.now() - since) / 1000).toFixed(1)}s`;
}
