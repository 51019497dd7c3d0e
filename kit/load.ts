import autocannon from 'autocannon';

/** One kind of request the load sends; `path` and `body` may be functions so each request differs. */
export interface LoadRequest {
  method: 'GET' | 'POST';
  path: string | (() => string);
  body?: () => unknown;
  /** Headers made per request (e.g. a fresh Idempotency-Key, so the API may retry its risk call). */
  headers?: () => Record<string, string>;
}

export interface LoadOptions {
  /** The server under load (loopback only); without `requests`, the URL itself is requested with GET. */
  url: string;
  /** Sent in turn, one per request (autocannon's request list). */
  requests?: LoadRequest[];
  connections: number;
  /** The run's length: autocannon's `duration` plus a timer that stops it 5 s later whatever happens. */
  seconds: number;
  /** Requests per second over all connections; unset means as fast as the server answers. */
  overallRate?: number;
  /** Stops as soon as this many responses arrived (still bounded by `seconds`; autocannon's `amount` would override it). */
  maxResponses?: number;
  /** Aborting stops the load; `done` then rejects. */
  signal?: AbortSignal | undefined;
}

/** One answer the load generator received: when (epoch ms), its status and its latency as the client saw it. */
export interface LoadResponse {
  at: number;
  status: number;
  ms: number;
}

export interface LoadResult {
  /** Responses per second, any status. */
  rps: number;
  responses: number;
  /** Response count by HTTP status. */
  statuses: Record<string, number>;
  non2xx: number;
  /** Latency percentiles in ms, from every response's own timing (not autocannon's 1 ms histogram). */
  p50Ms: number;
  p99Ms: number;
  errors: number;
  timeouts: number;
  seconds: number;
}

export interface RunningLoad {
  /** Settles when the load ends (its time is up, maxResponses reached, or stop()). */
  done: Promise<LoadResult>;
  /** Stops the load; resolves with its result. */
  stop(): Promise<LoadResult>;
  /** The answers received between the two instants (epoch ms). */
  responses(fromMs: number, toMs: number): LoadResponse[];
}

/** Starts autocannon in this process against a loopback server (the server under test runs in another). */
export function startLoad(o: LoadOptions): RunningLoad {
  o.signal?.throwIfAborted();
  const host = new URL(o.url).hostname;
  if (!['127.0.0.1', 'localhost', '::1', '[::1]'].includes(host))
    throw new Error(`load is only sent to loopback, not ${host}`);
  // Bounded by seconds times the rate: a few hundred thousand small records at the most.
  const received: LoadResponse[] = [];
  let instance: autocannon.Instance | undefined;
  const halt = () => instance?.stop();
  const done = new Promise<LoadResult>((resolve, reject) => {
    instance = autocannon(
      {
        url: o.url,
        connections: o.connections,
        duration: o.seconds,
        timeout: 30,
        ...(o.requests && { requests: o.requests.map(toAutocannon) }),
        ...(o.overallRate !== undefined && { overallRate: o.overallRate }),
      },
      (err, result) => {
        clearTimeout(guard);
        o.signal?.removeEventListener('abort', halt);
        if (err) return reject(err instanceof Error ? err : new Error(String(err)));
        if (o.signal?.aborted) return reject(new Error('interrupted'));
        resolve(summarize(received, result));
      },
    );
    instance.on('response', (_client, status, _bytes, ms) => {
      received.push({ at: Date.now(), status, ms });
      if (o.maxResponses !== undefined && received.length >= o.maxResponses) halt();
    });
  });
  const guard = setTimeout(halt, (o.seconds + 5) * 1000);
  guard.unref();
  o.signal?.addEventListener('abort', halt, { once: true });
  return {
    done,
    stop: () => {
      halt();
      return done;
    },
    responses: (fromMs, toMs) => received.filter((r) => r.at >= fromMs && r.at <= toMs),
  };
}

/** Runs a load to its end. */
export function runLoad(o: LoadOptions): Promise<LoadResult> {
  return startLoad(o).done;
}

/** Responses with the given status class ("2", "5") or exact status ("404"). */
export function countStatus(result: LoadResult, status: string): number {
  return Object.entries(result.statuses)
    .filter(([code]) => (status.length === 1 ? code.startsWith(status) : code === status))
    .reduce((sum, [, n]) => sum + n, 0);
}

function toAutocannon(r: LoadRequest): autocannon.Request {
  const { path, body, headers } = r;
  const request: autocannon.Request = {
    method: r.method,
    headers: { 'content-type': 'application/json' },
    ...(typeof path === 'string' && { path }),
  };
  if (typeof path === 'function' || body || headers) {
    request.setupRequest = (req: autocannon.Request) => ({
      ...req,
      ...(typeof path === 'function' && { path: path() }),
      ...(body && { body: JSON.stringify(body()) }),
      ...(headers && { headers: { ...req.headers, ...headers() } }),
    });
  }
  return request;
}

function summarize(received: LoadResponse[], result: autocannon.Result): LoadResult {
  const statuses: Record<string, number> = {};
  for (const r of received) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
  const ms = received.map((r) => r.ms);
  return {
    rps: result.duration > 0 ? received.length / result.duration : 0,
    responses: received.length,
    statuses,
    non2xx: received.filter((r) => r.status < 200 || r.status > 299).length,
    p50Ms: percentile(ms, 0.5),
    p99Ms: percentile(ms, 0.99),
    errors: result.errors,
    timeouts: result.timeouts,
    seconds: result.duration,
  };
}

/** Nearest-rank percentile (q in 0..1) of unsorted values. */
export function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
}
