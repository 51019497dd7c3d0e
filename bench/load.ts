import autocannon from 'autocannon';
import { percentile } from './stats';

/** One load run against one URL. */
export interface LoadOptions {
  url: string;
  method?: 'GET' | 'POST';
  connections: number;
  /** The run's length: autocannon's `duration` plus a timer that stops it 5 s later whatever happens. */
  seconds: number;
  headers?: Record<string, string>;
  body?: string;
  /** Varies each request (random paths, random transfers). */
  setupRequest?: (request: autocannon.Request) => autocannon.Request;
  /** Requests per second over all connections; unset means as fast as the server answers. */
  overallRate?: number;
  /** Stops as soon as this many responses arrived (still bounded by `seconds`; autocannon's `amount` would override it). */
  maxResponses?: number;
  signal?: AbortSignal;
}

export interface LoadResult {
  /** Responses per second, any status. */
  rps: number;
  responses: number;
  /** Response count by HTTP status. */
  statuses: Record<string, number>;
  /** Latency percentiles in ms, from every response's own timing (not autocannon's 1 ms histogram). */
  p50Ms: number;
  p99Ms: number;
  errors: number;
  timeouts: number;
  seconds: number;
}

export interface RunningLoad {
  done: Promise<LoadResult>;
  stop(): void;
}

/** Starts autocannon in this process; the server under test runs in another. */
export function startLoad(o: LoadOptions): RunningLoad {
  o.signal?.throwIfAborted();
  const latencies: number[] = [];
  let instance: autocannon.Instance | undefined;
  let guard: NodeJS.Timeout | undefined;
  const stop = () => instance?.stop();
  const done = new Promise<LoadResult>((resolve, reject) => {
    const request: autocannon.Request = { method: o.method ?? 'GET' };
    if (o.setupRequest) request.setupRequest = o.setupRequest;
    instance = autocannon(
      {
        url: o.url,
        method: o.method ?? 'GET',
        connections: o.connections,
        duration: o.seconds,
        headers: o.headers ?? {},
        ...(o.body !== undefined && { body: o.body }),
        ...(o.setupRequest && { requests: [request] }),
        ...(o.overallRate !== undefined && { overallRate: o.overallRate }),
        timeout: 30,
      },
      (err, result) => {
        clearTimeout(guard);
        o.signal?.removeEventListener('abort', stop);
        if (err) return reject(err instanceof Error ? err : new Error(String(err)));
        if (o.signal?.aborted) return reject(new Error('interrupted'));
        const statuses: Record<string, number> = {};
        for (const [code, stat] of Object.entries(result.statusCodeStats ?? {}))
          statuses[code] = (stat as { count: number }).count;
        const responses = latencies.length;
        resolve({
          rps: result.duration > 0 ? responses / result.duration : 0,
          responses,
          statuses,
          p50Ms: percentile(latencies, 0.5),
          p99Ms: percentile(latencies, 0.99),
          errors: result.errors,
          timeouts: result.timeouts,
          seconds: result.duration,
        });
      },
    );
    instance.on('response', (_client, _status, _bytes, responseTime) => {
      latencies.push(responseTime);
      if (o.maxResponses !== undefined && latencies.length >= o.maxResponses) stop();
    });
    guard = setTimeout(stop, (o.seconds + 5) * 1000);
    o.signal?.addEventListener('abort', stop, { once: true });
  });
  return { done, stop };
}

export function runLoad(o: LoadOptions): Promise<LoadResult> {
  return startLoad(o).done;
}

/** Responses with the given status class ("2", "5") or exact status ("404"). */
export function countStatus(result: LoadResult, status: string): number {
  return Object.entries(result.statuses)
    .filter(([code]) => (status.length === 1 ? code.startsWith(status) : code === status))
    .reduce((sum, [, n]) => sum + n, 0);
}
