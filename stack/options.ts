import path from 'node:path';
import { projectRoot } from '../app/paths';

/** The processes of the native stack, in start order. */
export const COMPONENT_NAMES = [
  'postgres',
  'postgres-exporter',
  'alert-sink',
  'alertmanager',
  'risk',
  'api',
  'prometheus',
  'control-room',
] as const;
export type ComponentName = (typeof COMPONENT_NAMES)[number];

/** Replicas `make up REPLICAS=N` accepts: each is a Node process of ~80 MB on a workshop laptop. */
export const MAX_REPLICAS = 9;

/** The database the stack creates and the credentials of its superuser (a local workshop, not a secret). */
export const DATABASE = Object.freeze({ user: 'postgres', password: 'postgres', name: 'fintech' });

/** workshop: 5 s scrape and evaluation; fast: 1 s, for tests that wait on alerts. */
export type Profile = 'workshop' | 'fast';

export interface Ports {
  api: number;
  prometheus: number;
  alertmanager: number;
  postgres: number;
  postgresExporter: number;
  alertSink: number;
  risk: number;
  controlRoom: number;
}

export const DEFAULT_PORTS: Readonly<Ports> = Object.freeze({
  api: 5000,
  prometheus: 9090,
  alertmanager: 9093,
  postgres: 5432,
  postgresExporter: 9187,
  alertSink: 9099,
  risk: 5001,
  controlRoom: 8088,
});

/** Options of startStack; every field has a default, so `startStack()` starts the workshop stack in `.run/`. */
export interface StackOptions {
  /** Where pids, logs, data and rendered configs live. Default `<project>/.run`. */
  stateDir?: string;
  ports?: Partial<Ports>;
  profile?: Profile;
  /** Which components to start; default all. Dependencies are not added implicitly. */
  components?: readonly ComponentName[];
  /** argv of the API; default `node dist/app/server.js`, run from the project root. */
  apiCommand?: string[];
  /** Extra environment for the API (PORT, HOST and DATABASE_URL are set by the stack unless given here). */
  apiEnv?: Record<string, string>;
  /** API processes; above 1 they share the fault state in PostgreSQL behind HAProxy on the API's port. Default 1. */
  replicas?: number;
  /** argv of the risk service; default `node dist/risk/server.js`. With it, the API gets RISK_URL. */
  riskCommand?: string[];
  /** Receives one line per progress step; default silent. */
  onProgress?: (line: string) => void;
  /** Aborting stops what was started and rejects. */
  signal?: AbortSignal;
  /** Also notify Telegram of urgent alerts; off unless given (tests never page anyone). */
  telegram?: TelegramSettings;
  /** Run scripts/ensure-tools.sh when a binary is missing (default true). */
  ensureTools?: boolean;
  /** Deadline for each component to become ready, and for Prometheus to see every target up. */
  readyTimeoutMs?: number;
  targetsTimeoutMs?: number;
}

/** Telegram delivery for Alertmanager's urgent receiver. */
export interface TelegramSettings {
  botToken: string;
  chatId: number;
  /** Bot API base URL (Alertmanager's telegram_configs api_url); a test points it at a loopback stand-in. */
  apiUrl: string;
}

/** Alertmanager's own default for telegram_configs api_url. */
export const TELEGRAM_API_URL = 'https://api.telegram.org';

/** StackOptions with every default applied. */
export interface ResolvedOptions {
  root: string;
  stateDir: string;
  ports: Ports;
  profile: Profile;
  components: readonly ComponentName[];
  apiCommand: string[];
  apiEnv: Record<string, string>;
  replicas: number;
  riskCommand: string[];
  telegram: TelegramSettings | undefined;
  ensureTools: boolean;
  readyTimeoutMs: number;
  targetsTimeoutMs: number;
}

export function resolveOptions(options: StackOptions = {}): ResolvedOptions {
  const root = projectRoot();
  const unknown = (options.components ?? []).filter((c) => !COMPONENT_NAMES.includes(c));
  if (unknown.length > 0)
    throw new Error(`unknown component(s): ${unknown.join(', ')} (known: ${COMPONENT_NAMES.join(', ')})`);
  return {
    root,
    stateDir: path.resolve(root, options.stateDir ?? '.run'),
    ports: { ...DEFAULT_PORTS, ...options.ports },
    profile: options.profile ?? 'workshop',
    components: COMPONENT_NAMES.filter((c) => (options.components ?? COMPONENT_NAMES).includes(c)),
    apiCommand: options.apiCommand ?? [process.execPath, path.join(root, 'dist', 'app', 'server.js')],
    apiEnv: options.apiEnv ?? {},
    replicas: options.replicas ?? 1,
    riskCommand: options.riskCommand ?? [process.execPath, path.join(root, 'dist', 'risk', 'server.js')],
    telegram: options.telegram,
    ensureTools: options.ensureTools ?? true,
    readyTimeoutMs: options.readyTimeoutMs ?? 30_000,
    targetsTimeoutMs: options.targetsTimeoutMs ?? 30_000,
  };
}

/** The environment variables that set each port, in order of precedence; Compose reads the first from .env. */
export const PORT_VARIABLES: Readonly<Record<keyof Ports, readonly string[]>> = {
  api: ['API_PORT', 'PORT'],
  prometheus: ['PROMETHEUS_PORT'],
  alertmanager: ['ALERTMANAGER_PORT'],
  postgres: ['PG_PORT'],
  postgresExporter: ['PG_EXPORTER_PORT'],
  alertSink: ['ALERT_SINK_PORT'],
  risk: ['RISK_PORT'],
  controlRoom: ['CONTROL_ROOM_PORT'],
};

/** The launcher's environment variables, all problems reported at once. */
export function optionsFromEnv(env: NodeJS.ProcessEnv): StackOptions {
  const problems: string[] = [];
  const ports: Partial<Ports> = {};
  for (const [key, names] of Object.entries(PORT_VARIABLES) as [keyof Ports, readonly string[]][]) {
    const name = names.find((n) => env[n]);
    if (name === undefined) continue;
    const port = Number(env[name]);
    if (!Number.isInteger(port) || port < 1 || port > 65535)
      problems.push(`${name}=${env[name]} is not a port (1-65535)`);
    else ports[key] = port;
  }
  const profile = env['STACK_PROFILE'] || 'workshop';
  if (profile !== 'workshop' && profile !== 'fast')
    problems.push(`STACK_PROFILE=${profile} must be "workshop" or "fast"`);
  const telegram = telegramFromEnv(env, problems);
  const replicas = Number(env['REPLICAS'] || '1');
  if (!Number.isInteger(replicas) || replicas < 1 || replicas > MAX_REPLICAS)
    problems.push(`REPLICAS=${env['REPLICAS']} must be a whole number from 1 to ${MAX_REPLICAS}`);
  if (problems.length > 0) throw new Error(`Invalid stack settings:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  const options: StackOptions = { ports, profile: profile as Profile };
  if (env['REPLICAS']) options.replicas = replicas;
  if (env['STACK_DIR']) options.stateDir = env['STACK_DIR'];
  if (telegram) options.telegram = telegram;
  return options;
}

/** Telegram settings when both variables are set; problems are added to `problems`. */
export function telegramFromEnv(env: NodeJS.ProcessEnv, problems: string[]): TelegramSettings | undefined {
  const botToken = env['TELEGRAM_BOT_TOKEN'] ?? '';
  const chatId = env['TELEGRAM_CHAT_ID'] ?? '';
  if (botToken === '' && chatId === '') return undefined;
  const before = problems.length;
  if (botToken === '' || chatId === '') {
    problems.push('set both TELEGRAM_BOT_TOKEN and TELEGRAM_CHAT_ID to send alerts to Telegram, or neither');
    return undefined;
  }
  if (!/^-?\d+$/.test(chatId)) problems.push(`TELEGRAM_CHAT_ID=${chatId} must be a number (negative for a group)`);
  // the token goes into YAML as is: accept only the characters Telegram uses
  if (!/^\d+:[\w-]+$/.test(botToken))
    problems.push('TELEGRAM_BOT_TOKEN does not look like a bot token (123456:ABC-...)');
  const apiUrl = env['TELEGRAM_API_URL'] || TELEGRAM_API_URL;
  if (!isHttpUrl(apiUrl)) problems.push(`TELEGRAM_API_URL=${apiUrl} must be an http(s) URL without quotes or spaces`);
  return problems.length === before ? { botToken, chatId: Number(chatId), apiUrl } : undefined;
}

function isHttpUrl(text: string): boolean {
  if (/['"\s]/.test(text)) return false;
  try {
    return ['http:', 'https:'].includes(new URL(text).protocol);
  } catch {
    return false;
  }
}
