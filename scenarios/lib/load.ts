import autocannon from 'autocannon';

/** One kind of request the load sends; `body` may be a function so each request differs. */
export interface LoadRequest {
  method: 'GET' | 'POST';
  path: string;
  body?: () => unknown;
  /** Headers made per request (e.g. a fresh Idempotency-Key, so the API may retry its risk call). */
  headers?: () => Record<string, string>;
}

/** Load for one scenario: always bounded by maxSeconds (autocannon duration) and a timer. */
export interface LoadSpec {
  requests: LoadRequest[];
  connections: number;
  /** Requests per second over all connections; unset means as fast as the API answers. */
  overallRate?: number;
}

/** One answer the load generator received: when (epoch ms), its status and its latency as the client saw it. */
export interface LoadResponse {
  at: number;
  status: number;
  ms: number;
}

export interface RunningLoad {
  /** Stops the load and resolves with autocannon's totals. */
  stop(): Promise<LoadTotals>;
  /** The answers received between the two instants (epoch ms). */
  responses(fromMs: number, toMs: number): LoadResponse[];
}

export interface LoadTotals {
  requests: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  p99Ms: number;
}

const USD_ACCOUNTS = ['ACC-002', 'ACC-003', 'ACC-004', 'ACC-005', 'ACC-006', 'ACC-007', 'ACC-008', 'ACC-010'];

/** A small transfer between two different random USD demo accounts. */
export function randomTransfer(): Record<string, unknown> {
  const from = USD_ACCOUNTS[Math.floor(Math.random() * USD_ACCOUNTS.length)] as string;
  let to = from;
  while (to === from) to = USD_ACCOUNTS[Math.floor(Math.random() * USD_ACCOUNTS.length)] as string;
  return { from_account: from, to_account: to, amount: (1 + Math.floor(Math.random() * 99)) / 100 };
}

/** Starts autocannon against a 127.0.0.1/localhost API and keeps it running until stop() or maxSeconds. */
export function startLoad(apiUrl: string, spec: LoadSpec, maxSeconds: number): RunningLoad {
  const host = new URL(apiUrl).hostname;
  if (!['127.0.0.1', 'localhost', '::1', '[::1]'].includes(host))
    throw new Error(`load is only sent to loopback, not ${host}`);
  const requests = spec.requests.map((r) => ({
    method: r.method,
    path: r.path,
    headers: { 'content-type': 'application/json' },
    ...((r.body ?? r.headers) && {
      setupRequest: (req: autocannon.Request) => ({
        ...req,
        ...(r.body && { body: JSON.stringify(r.body()) }),
        ...(r.headers && { headers: { ...req.headers, ...r.headers() } }),
      }),
    }),
  }));
  let settle: (result: LoadTotals) => void = () => {};
  let fail: (err: Error) => void = () => {};
  const done = new Promise<LoadTotals>((resolve, reject) => {
    settle = resolve;
    fail = reject;
  });
  // The callback form returns the instance (with stop()); without a callback autocannon returns only a promise.
  const instance = autocannon(
    {
      url: apiUrl,
      connections: spec.connections,
      duration: maxSeconds,
      timeout: 30,
      requests,
      ...(spec.overallRate !== undefined && { overallRate: spec.overallRate }),
    },
    (err, result) => {
      clearTimeout(timer);
      if (err) return fail(err as Error);
      settle({
        requests: result.requests.total,
        non2xx: result.non2xx,
        errors: result.errors,
        timeouts: result.timeouts,
        p99Ms: result.latency.p99,
      });
    },
  );
  const timer = setTimeout(() => instance.stop(), (maxSeconds + 5) * 1000);
  timer.unref();
  // Bounded by maxSeconds times the rate: a few thousand small records per scenario.
  const received: LoadResponse[] = [];
  instance.on('response', (_client, status, _bytes, ms) => received.push({ at: Date.now(), status, ms }));
  return {
    stop: async () => {
      instance.stop();
      return done;
    },
    responses: (fromMs, toMs) => received.filter((r) => r.at >= fromMs && r.at <= toMs),
  };
}
