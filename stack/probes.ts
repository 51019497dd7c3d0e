import net from 'node:net';
import pg from 'pg';
import type { HealthProbe } from '../kit/wait';

const PROBE_TIMEOUT_MS = 2_000;

/** Healthy when GET `url` answers 2xx (and, if given, the body passes `check`, which returns a reason when not). */
export function httpProbe(url: string, check?: (body: string) => string | undefined): HealthProbe {
  return async () => {
    const res = await fetch(url, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
    const body = await res.text();
    if (!res.ok) return `HTTP ${res.status}`;
    return check?.(body);
  };
}

/** Healthy when a client can connect to the database and run a query. */
export function postgresProbe(connectionString: string): HealthProbe {
  return async () => {
    const client = new pg.Client({ connectionString, connectionTimeoutMillis: PROBE_TIMEOUT_MS });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('SELECT 1');
      return undefined;
    } finally {
      await client.end().catch(() => undefined);
    }
  };
}

/** Resolves to true when nothing listens on host:port (so a component can bind it). */
export function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}
