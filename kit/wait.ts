/** What one attempt of a wait is told: `final` is the attempt at (or after) the deadline, the last one. */
export interface Attempt {
  number: number;
  final: boolean;
}

export interface WaitOptions<T> {
  timeoutMs: number;
  /** Pause between attempts (default 200 ms); the last pause is cut short so the final attempt lands at the deadline. */
  intervalMs?: number;
  signal?: AbortSignal | undefined;
  /** When the value counts as done (default: truthy). */
  until?: (value: T) => boolean;
  /** The reason a value is not done yet, for the timeout error (default: its JSON). */
  describe?: (value: T) => string;
  /** Checked before each attempt: a reason to stop at once (e.g. the process being awaited exited). */
  giveUp?: () => string | undefined;
  /** What an error thrown by `check` does: count as a failed attempt and retry (default), or end the wait. */
  errors?: 'retry' | 'throw';
}

/** Why a wait ended without its condition: the deadline passed, the signal aborted, or giveUp said so. */
export class WaitError extends Error {
  constructor(
    readonly description: string,
    readonly reason: string,
    readonly kind: 'timeout' | 'aborted' | 'gave-up',
  ) {
    super(`${description}: ${reason}`);
    this.name = 'WaitError';
  }
}

/**
 * The kit's one polling loop: runs `check` until its value is done, and throws a WaitError naming what
 * it awaited and the last value (or error) seen once the deadline passed. A throwing check is retried:
 * its error is the reason. Never a fixed sleep: it returns as soon as the condition holds.
 */
export async function waitUntil<T>(
  description: string,
  check: (attempt: Attempt) => T | Promise<T>,
  options: WaitOptions<T>,
): Promise<T> {
  const { timeoutMs, intervalMs = 200, signal, giveUp } = options;
  const until = options.until ?? Boolean;
  const describe = options.describe ?? ((v: T) => JSON.stringify(v) ?? String(v));
  const deadline = Date.now() + timeoutMs;
  for (let number = 1; ; number++) {
    if (signal?.aborted) throw new WaitError(description, 'interrupted', 'aborted');
    const fatal = giveUp?.();
    if (fatal !== undefined) throw new WaitError(description, fatal, 'gave-up');
    const final = Date.now() >= deadline;
    let reason: string;
    try {
      const value = await check({ number, final });
      if (until(value)) return value;
      reason = describe(value);
    } catch (err) {
      if (options.errors === 'throw') throw err;
      reason = describeError(err);
    }
    if (final) {
      throw new WaitError(description, `not within ${(timeoutMs / 1000).toFixed(1)} s (last: ${reason})`, 'timeout');
    }
    await pause(Math.min(intervalMs, Math.max(0, deadline - Date.now())), signal);
  }
}

/** A health check: resolves to undefined when healthy, or to a short reason why not ("HTTP 503"). */
export type HealthProbe = () => Promise<string | undefined>;

/** waitUntil for health checks: done when the probe reports no reason. */
export async function waitHealthy(
  description: string,
  probe: HealthProbe,
  options: Omit<WaitOptions<string | undefined>, 'until' | 'describe'>,
): Promise<void> {
  await waitUntil(description, probe, { ...options, until: (r) => r === undefined, describe: String });
}

/** Wakes early when the signal aborts (the loop then reports the interruption). */
function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}

/** A short, human reason for a failed attempt: "connection refused" rather than a stack trace. */
export function describeError(err: unknown): string {
  const cause = (err as { cause?: unknown } | undefined)?.cause;
  const code = (cause as { code?: string } | undefined)?.code ?? (err as { code?: string } | undefined)?.code;
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ECONNRESET') return 'connection reset';
  if ((err as Error | undefined)?.name === 'TimeoutError') return 'timed out';
  if (code) return code;
  return err instanceof Error ? err.message : String(err);
}

/** Milliseconds a promise took. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = process.hrtime.bigint();
  const value = await fn();
  return { ms: Number(process.hrtime.bigint() - started) / 1e6, value };
}
