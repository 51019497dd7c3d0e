import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Polls until check() returns a value that satisfies ok, or fails after the deadline with the
 * description and the last value seen. Never a fixed sleep: it returns as soon as the condition holds.
 */
export async function pollUntil<T>(
  description: string,
  check: () => Promise<T> | T,
  ok: (value: T) => boolean,
  options: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  let last: T | undefined;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      last = await check();
      if (ok(last)) return last;
    } catch (err) {
      lastError = err;
    }
    await sleep(options.intervalMs ?? 100);
  }
  const seen = lastError
    ? `error ${lastError instanceof Error ? lastError.message : JSON.stringify(lastError)}`
    : JSON.stringify(last);
  throw new Error(`timed out waiting for ${description}; last seen: ${seen}`);
}

/** Milliseconds a promise took. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = process.hrtime.bigint();
  const value = await fn();
  return { ms: Number(process.hrtime.bigint() - started) / 1e6, value };
}
