import winston from 'winston';
import { currentSpanIds } from './trace-context';

const REDACTED = '[redacted]';
const SECRET_KEY = /authorization|token|password|secret|cookie|database_url/i;

/** Replaces values whose key looks like a secret, at any depth, so no log line carries one. */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > 5 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  if (value instanceof Error) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEY.test(k) ? REDACTED : redact(v, depth + 1);
  return out;
}

const secretFilter = winston.format((info) => {
  for (const key of Object.keys(info)) {
    if (SECRET_KEY.test(key)) info[key] = REDACTED;
    else info[key] = redact(info[key]);
  }
  return info;
});

/** Adds the request's trace and span ids to every line logged inside a request. */
const traceContext = winston.format((info) => {
  if (info.trace_id !== undefined) return info;
  const ids = currentSpanIds();
  if (ids) {
    info.trace_id = ids.trace_id;
    info.span_id = ids.span_id;
  }
  return info;
});

// triple-beam's keys, under which winston's transports find an entry's level and its finished line.
const LEVEL = Symbol.for('level');
const MESSAGE = Symbol.for('message');

/**
 * Lines bound for stdout, written once per turn of the event loop instead of once per line: a write
 * to stdout is a system call (Node writes files and pipes synchronously), and at a few hundred
 * requests a second the per-line write was the request log's largest cost (docs/performance.md).
 * One buffer for the process keeps the lines of every logger in order; what is pending is written
 * when the process exits, so only a SIGKILL can lose it (at most one turn's lines).
 */
const stdoutLines = (() => {
  let pending: string[] = [];
  const flush = () => {
    if (pending.length === 0) return;
    const text = pending.join('');
    pending = [];
    // Synchronous for files and pipes on Linux: a full pipe is waited out, no line is dropped.
    process.stdout.write(text);
  };
  process.once('exit', flush);
  return (line: string) => {
    if (pending.push(line) === 1) setImmediate(flush);
  };
})();

/** winston's Console transport, writing through stdoutLines (and leaving out its per-line 'logged' event). */
class StdoutLines extends winston.transports.Console {
  override log(info: Record<string | symbol, unknown>, callback: () => void): void {
    stdoutLines(`${info[MESSAGE] as string}\n`);
    callback();
  }
}

/** JSON lines on stdout; `silent` turns logging off (tests). */
export function createLogger(options: { level: string; service: string; instanceId?: string }): winston.Logger {
  return winston.createLogger({
    level: options.level === 'silent' ? 'error' : options.level,
    silent: options.level === 'silent',
    defaultMeta: { service: options.service, ...(options.instanceId && { instance_id: options.instanceId }) },
    format: winston.format.combine(
      traceContext(),
      secretFilter(),
      winston.format.errors({ stack: true }),
      winston.format.timestamp(),
      winston.format.json(),
    ),
    transports: [new StdoutLines()],
  });
}

export type Logger = winston.Logger;

const written = () => undefined;

/**
 * Writes one line of flat fields straight to the logger's transports, serialised once with
 * JSON.stringify: no format chain and no stream pipeline. For the request log line, written on every
 * request; its fields are fixed, so none needs the secret filter. The caller checks the level.
 */
export function writeLine(logger: Logger, level: string, message: string, fields: Record<string, unknown>): void {
  if (logger.silent) return;
  const entry = {
    level,
    message,
    ...(logger.defaultMeta as Record<string, unknown> | undefined),
    ...fields,
    timestamp: new Date().toISOString(),
  };
  // The symbols are added after serialising: the entry is the transports' info object as it is.
  const info = Object.assign(entry, { [MESSAGE]: JSON.stringify(entry), [LEVEL]: level });
  for (const transport of logger.transports) if (!transport.silent) transport.log?.(info, written);
}
