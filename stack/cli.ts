import path from 'node:path';
import { parseArgs } from 'node:util';
import type { ReceivedAlert } from './alert-sink';
import { dockerComposeUnavailable } from './docker';
import { COMPONENT_NAMES, optionsFromEnv, resolveOptions, type ComponentName, type StackOptions } from './options';
import { formatAlerts, formatStatus, formatUrlTable } from './report';
import { readStackState, stackStatus, StackRunningError, startStack, stopStack } from './stack';
import { describeError } from '../kit/wait';

const USAGE = `Usage: node --import tsx stack/cli.ts <command> [options]

Commands:
  up          start the native stack (PostgreSQL, postgres_exporter, alert sink, Alertmanager, API, Prometheus,
              control room)
  down        stop what up started
  status      health of each component; exit 0 only when all are up
  alerts      alert notifications the sink received, oldest first
  has-docker  exit 0 when docker compose can run the stack here, 1 otherwise

Options:
  --fast                 1 s scrape/evaluation profile (same as STACK_PROFILE=fast)
  --without=NAME[,NAME]  up: leave components out (${COMPONENT_NAMES.join(', ')})
  --status=firing|resolved, --json   alerts: filter, or print raw JSON

Environment: STACK_DIR (default .run), STACK_PROFILE, API_PORT (or PORT), PROMETHEUS_PORT,
ALERTMANAGER_PORT, PG_PORT, PG_EXPORTER_PORT, ALERT_SINK_PORT, RISK_PORT, TELEGRAM_BOT_TOKEN + TELEGRAM_CHAT_ID
(+ TELEGRAM_API_URL, default https://api.telegram.org).`;

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      fast: { type: 'boolean' },
      without: { type: 'string' },
      status: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const command = positionals[0];
  if (values.help || command === undefined) {
    console.log(USAGE);
    return command === undefined && !values.help ? 2 : 0;
  }
  const options = optionsFromEnv(process.env);
  if (values.fast) options.profile = 'fast';
  switch (command) {
    case 'up':
      return up(options, values.without);
    case 'down':
      return down(options);
    case 'status':
      return status(options);
    case 'alerts':
      return alerts(options, values.status, values.json ?? false);
    case 'has-docker': {
      const reason = dockerComposeUnavailable();
      if (reason !== undefined) console.error(reason);
      return reason === undefined ? 0 : 1;
    }
    default:
      console.error(`unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}

async function up(options: StackOptions, without: string | undefined): Promise<number> {
  if (without !== undefined) {
    const left = without.split(',').map((s) => s.trim());
    options.components = COMPONENT_NAMES.filter((c) => !left.includes(c));
    const unknown = left.filter((c) => !COMPONENT_NAMES.includes(c as ComponentName));
    if (unknown.length > 0) throw new Error(`--without: unknown component(s) ${unknown.join(', ')}`);
  }
  const resolved = resolveOptions(options);
  console.log(`Starting the native stack (profile ${resolved.profile}, state in ${display(resolved.stateDir)})`);
  const interrupt = new AbortController();
  const onSignal = (): void => interrupt.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const stack = await startStack({ ...options, signal: interrupt.signal, onProgress: (line) => console.log(line) });
    console.log(`\nThe stack is up (stop it with: make down):\n${formatUrlTable(stack)}`);
    return 0;
  } catch (err) {
    if (!(err instanceof StackRunningError)) throw err;
    // a second `make up` is not an error while the first stack is healthy
    const statuses = await stackStatus(options);
    console.log(`Already running (stop it with: make down):\n${formatStatus(statuses)}`);
    return statuses.every((s) => s.healthy) ? 0 : 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

async function down(options: StackOptions): Promise<number> {
  const stateDir = resolveOptions(options).stateDir;
  const results = await stopStack(stateDir, (line) => console.log(line));
  if (results.every((r) => r.outcome === 'not running')) console.log(`nothing running from ${display(stateDir)}`);
  return 0;
}

async function status(options: StackOptions): Promise<number> {
  const resolved = resolveOptions(options);
  if (readStackState(resolved.stateDir) === undefined) {
    console.log(`no native stack recorded in ${display(resolved.stateDir)}; checking the default ports`);
  }
  const statuses = await stackStatus(options);
  console.log(formatStatus(statuses));
  return statuses.every((s) => s.healthy) ? 0 : 1;
}

async function alerts(options: StackOptions, statusFilter: string | undefined, json: boolean): Promise<number> {
  const resolved = resolveOptions(options);
  const port = readStackState(resolved.stateDir)?.ports.alertSink ?? resolved.ports.alertSink;
  const query = statusFilter ? `?status=${encodeURIComponent(statusFilter)}` : '';
  let received: ReceivedAlert[];
  try {
    const res = await fetch(`http://127.0.0.1:${port}/alerts${query}`, { signal: AbortSignal.timeout(5_000) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    received = (await res.json()) as ReceivedAlert[];
  } catch (err) {
    console.error(`the alert sink on 127.0.0.1:${port} does not answer (${describeError(err)}): is the stack up?`);
    return 1;
  }
  console.log(json ? JSON.stringify(received, null, 2) : formatAlerts(received));
  return 0;
}

function display(dir: string): string {
  const relative = path.relative(process.cwd(), dir);
  return relative === '' || relative.startsWith('..') ? dir : relative;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  },
);
