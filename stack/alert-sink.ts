import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';

/**
 * A webhook receiver for Alertmanager: it keeps every alert notification it receives so the
 * workshop (and the scenario tests) can see what would have paged someone. No framework, no
 * dependency: it runs as its own process in the native stack and as `alert-sink` in Compose.
 */

/** One alert of an Alertmanager webhook notification, stamped with when the sink received it. */
export interface ReceivedAlert {
  receivedAt: string;
  receiver: string;
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  fingerprint: string;
}

export interface AlertFilter {
  status?: string;
  alertname?: string;
}

export const DEFAULT_MAX_ALERTS = 1000;
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/** The received alerts, oldest first, mirrored to a JSON-lines file and capped at `maxAlerts`. */
export class AlertStore {
  private alerts: ReceivedAlert[];

  constructor(
    readonly file: string,
    readonly maxAlerts = DEFAULT_MAX_ALERTS,
  ) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    this.alerts = readAlertsFile(file).slice(-maxAlerts);
  }

  add(batch: ReceivedAlert[]): void {
    this.alerts.push(...batch);
    if (this.alerts.length > this.maxAlerts) {
      this.alerts = this.alerts.slice(-this.maxAlerts);
      this.rewrite();
    } else {
      fs.appendFileSync(this.file, batch.map((a) => JSON.stringify(a) + '\n').join(''));
    }
  }

  list(filter: AlertFilter = {}): ReceivedAlert[] {
    return this.alerts.filter(
      (a) =>
        (filter.status === undefined || a.status === filter.status) &&
        (filter.alertname === undefined || a.labels['alertname'] === filter.alertname),
    );
  }

  clear(): void {
    this.alerts = [];
    this.rewrite();
  }

  get size(): number {
    return this.alerts.length;
  }

  private rewrite(): void {
    const tmp = `${this.file}.tmp`;
    fs.writeFileSync(tmp, this.alerts.map((a) => JSON.stringify(a) + '\n').join(''));
    fs.renameSync(tmp, this.file);
  }
}

/** Reads a sink file, skipping lines that are not JSON (a crash mid-append leaves at most one). */
export function readAlertsFile(file: string): ReceivedAlert[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const alerts: ReceivedAlert[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      alerts.push(JSON.parse(line) as ReceivedAlert);
    } catch {
      // a torn last line: ignore it
    }
  }
  return alerts;
}

export class PayloadError extends Error {}

/** Validates an Alertmanager webhook payload (version 4) and flattens it into received alerts. */
export function parseWebhookPayload(body: unknown, receivedAt: Date): ReceivedAlert[] {
  if (!isObject(body)) throw new PayloadError('body must be a JSON object');
  if (!Array.isArray(body['alerts'])) throw new PayloadError('"alerts" must be an array');
  const receiver = typeof body['receiver'] === 'string' ? body['receiver'] : '';
  return body['alerts'].map((alert: unknown, i): ReceivedAlert => {
    if (!isObject(alert)) throw new PayloadError(`alerts[${i}] must be an object`);
    const { status, labels, annotations = {} } = alert;
    if (status !== 'firing' && status !== 'resolved') {
      throw new PayloadError(`alerts[${i}].status must be "firing" or "resolved"`);
    }
    if (!isStringMap(labels)) throw new PayloadError(`alerts[${i}].labels must be an object of strings`);
    if (!isStringMap(annotations)) throw new PayloadError(`alerts[${i}].annotations must be an object of strings`);
    return {
      receivedAt: receivedAt.toISOString(),
      receiver,
      status,
      labels,
      annotations,
      startsAt: text(alert['startsAt']),
      endsAt: text(alert['endsAt']),
      fingerprint: text(alert['fingerprint']),
    };
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const text = (value: unknown): string => (typeof value === 'string' ? value : '');

function isStringMap(value: unknown): value is Record<string, string> {
  return isObject(value) && Object.values(value).every((v) => typeof v === 'string');
}

export interface AlertSinkServerOptions {
  maxBodyBytes?: number;
  onReceive?: (alerts: ReceivedAlert[]) => void;
}

/** The sink's HTTP server: POST/GET/DELETE /alerts and GET /healthz. */
export function createAlertSinkServer(store: AlertStore, options: AlertSinkServerOptions = {}): http.Server {
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  return http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://sink');
    const route = `${req.method} ${url.pathname}`;
    if (route === 'GET /healthz') return sendJson(res, 200, { status: 'ok', alerts: store.size });
    if (route === 'GET /alerts') {
      const filter: AlertFilter = {};
      const status = url.searchParams.get('status');
      const alertname = url.searchParams.get('alertname');
      if (status !== null) filter.status = status;
      if (alertname !== null) filter.alertname = alertname;
      return sendJson(res, 200, store.list(filter));
    }
    if (route === 'DELETE /alerts') {
      store.clear();
      res.writeHead(204).end();
      return;
    }
    if (route === 'POST /alerts') {
      readBody(req, maxBodyBytes)
        .then((text) => {
          const alerts = parseWebhookPayload(parseJson(text), new Date());
          store.add(alerts);
          options.onReceive?.(alerts);
          sendJson(res, 200, { stored: alerts.length });
        })
        .catch((err: unknown) => {
          if (err instanceof BodyTooLargeError) return sendError(res, 413, 'BODY_TOO_LARGE', err.message);
          if (err instanceof PayloadError) return sendError(res, 400, 'INVALID_PAYLOAD', err.message);
          sendError(res, 500, 'INTERNAL', 'could not store the alerts');
        });
      return;
    }
    if (url.pathname === '/alerts' || url.pathname === '/healthz') {
      res.setHeader('allow', url.pathname === '/alerts' ? 'GET, POST, DELETE' : 'GET');
      return sendError(res, 405, 'METHOD_NOT_ALLOWED', `${req.method} is not allowed on ${url.pathname}`);
    }
    sendError(res, 404, 'NOT_FOUND', `no route ${route}`);
  });
}

class BodyTooLargeError extends Error {}

function readBody(req: http.IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    let tooLarge = Number(req.headers['content-length'] ?? 0) > limit;
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      size += Buffer.byteLength(chunk);
      if (size > limit) tooLarge = true;
      // keep draining so the client gets its 413 instead of a reset connection
      if (!tooLarge) text += chunk;
    });
    req.on('end', () => (tooLarge ? reject(new BodyTooLargeError(`body exceeds ${limit} bytes`)) : resolve(text)));
    req.on('error', reject);
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new PayloadError('body is not valid JSON');
  }
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

function sendError(res: http.ServerResponse, status: number, code: string, message: string): void {
  sendJson(res, status, { error: { code, message } });
}

/** Settings of the standalone process, from its environment. */
function sinkSettingsFromEnv(env: NodeJS.ProcessEnv) {
  return {
    host: env['ALERT_SINK_HOST'] || '127.0.0.1',
    port: Number(env['ALERT_SINK_PORT'] || 9099),
    file: path.resolve(env['ALERT_SINK_FILE'] || '.run/alert-sink/alerts.jsonl'),
    maxAlerts: Number(env['ALERT_SINK_MAX_ALERTS'] || DEFAULT_MAX_ALERTS),
  };
}

function main(): void {
  const settings = sinkSettingsFromEnv(process.env);
  const store = new AlertStore(settings.file, settings.maxAlerts);
  const server = createAlertSinkServer(store, {
    onReceive: (alerts) => {
      for (const a of alerts) console.log(`${a.receivedAt} ${a.status} ${a.labels['alertname'] ?? '?'}`);
    },
  });
  server.listen(settings.port, settings.host, () => {
    console.log(`alert sink on http://${settings.host}:${settings.port}/alerts, storing in ${settings.file}`);
  });
  const shutdown = (): void => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

if (require.main === module) main();
