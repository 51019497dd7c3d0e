import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

/** Latencies (ms) and statuses of evenly paced requests. */
export interface ProbeResult {
  latenciesMs: number[];
  statuses: Record<string, number>;
  errors: number;
}

/**
 * Sends one GET every 1/rate seconds for `seconds`, each timed from send to last byte. Unlike
 * autocannon's rate limit, which fires every connection on the same tick (a burst that queues
 * behind itself), requests here are evenly spaced: what is measured is the server, not the burst.
 */
export async function probe(
  url: string,
  options: { rate: number; seconds: number; signal?: AbortSignal },
): Promise<ProbeResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
  const result: ProbeResult = { latenciesMs: [], statuses: {}, errors: 0 };
  const one = () =>
    new Promise<void>((resolve) => {
      const started = performance.now();
      const req = http.get(url, { agent, timeout: 30_000 }, (res) => {
        res.resume();
        res.on('end', () => {
          result.latenciesMs.push(performance.now() - started);
          const status = String(res.statusCode);
          result.statuses[status] = (result.statuses[status] ?? 0) + 1;
          resolve();
        });
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', () => {
        result.errors += 1;
        resolve();
      });
    });
  const inFlight: Promise<void>[] = [];
  const began = performance.now();
  const total = Math.round(options.rate * options.seconds);
  for (let i = 0; i < total && !options.signal?.aborted; i++) {
    const due = began + (i * 1000) / options.rate;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    inFlight.push(one());
  }
  await Promise.all(inFlight);
  agent.destroy();
  options.signal?.throwIfAborted();
  return result;
}
