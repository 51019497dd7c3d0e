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
 * Lines bound for stdout, written together every FLUSH_MS (or once MAX_PENDING lines wait) instead of
 * once per line: a write to stdout is a system call (Node writes files and pipes synchronously), and at
 * a few thousand requests a second the per-line write was the request log's largest cost
 * (docs/performance.md). One buffer for the process keeps the lines of every logger in order; what is
 * pending is written when the process exits, so only a SIGKILL can lose it (at most FLUSH_MS of lines).
 */
const FLUSH_MS = 20;
const MAX_PENDING = 256;
const stdoutLines = (() => {
  let pending: string[] = [];
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    clearTimeout(timer);
    timer = undefined;
    if (pending.length === 0) return;
    const text = pending.join('');
    pending = [];
    // Synchronous for files and pipes on Linux: a full pipe is waited out, no line is dropped.
    process.stdout.write(text);
  };
  process.once('exit', flush);
  return (line: string) => {
    const count = pending.push(line);
    if (count >= MAX_PENDING) flush();
    // Unreferenced: a pending line never keeps the process alive (the exit hook writes it).
    else if (count === 1) timer = setTimeout(flush, FLUSH_MS).unref();
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
 * Date.toISOString() for now, from a prefix made once per second: formatting a Date was the request
 * line's largest single cost (docs/performance.md). The same text as toISOString, to the millisecond.
 */
const isoNow = (() => {
  let second = -1;
  let prefix = '';
  return (): string => {
    const ms = Date.now();
    const s = Math.floor(ms / 1000);
    if (s !== second) {
      second = s;
      prefix = new Date(s * 1000).toISOString().slice(0, 20); // "2026-12-01T06:12:36."
    }
    return `${prefix}${String(ms % 1000).padStart(3, '0')}Z`;
  };
})();

/**
 * Writes one line of flat fields straight to the logger's transports, built as a string (each value
 * serialised by JSON.stringify): no format chain, no stream pipeline and no intermediate object. For
 * the request log line, written on every request; its fields are fixed, so none needs the secret
 * filter, and none repeats a default field (service, instance_id). Undefined fields are left out, as
 * JSON.stringify does. The caller checks the level.
 */
export function writeLine(logger: Logger, level: string, message: string, fields: Record<string, unknown>): void {
  if (logger.silent) return;
  let line = `{"level":${JSON.stringify(level)},"message":${JSON.stringify(message)}`;
  const meta = logger.defaultMeta as Record<string, unknown> | undefined;
  for (const key in meta) line += `,${JSON.stringify(key)}:${JSON.stringify(meta[key])}`;
  for (const key in fields) {
    const value = fields[key];
    if (value !== undefined) line += `,${JSON.stringify(key)}:${JSON.stringify(value)}`;
  }
  line += `,"timestamp":"${isoNow()}"}`;
  for (const transport of logger.transports) {
    if (transport.silent) continue;
    if (transport instanceof StdoutLines) stdoutLines(`${line}\n`);
    // Other transports (the tests' memory logger) get winston's info object: the finished line and the level.
    else transport.log?.({ level, message, [MESSAGE]: line, [LEVEL]: level }, written);
  }
}
