/** A health check: resolves to undefined when healthy, or to a short reason why not ("HTTP 503"). */
export type Probe = () => Promise<string | undefined>;

export interface WaitOptions {
  timeoutMs: number;
  intervalMs?: number;
  signal?: AbortSignal | undefined;
  /** Checked before each attempt: a reason to give up at once (e.g. the process exited). */
  giveUp?: () => string | undefined;
}

export class WaitError extends Error {
  constructor(
    readonly description: string,
    readonly reason: string,
  ) {
    super(`${description}: ${reason}`);
    this.name = 'WaitError';
  }
}

/** Polls `probe` until it reports healthy; throws a WaitError naming what was awaited and the last reason. */
export async function waitFor(description: string, probe: Probe, options: WaitOptions): Promise<void> {
  const { timeoutMs, intervalMs = 200, signal, giveUp } = options;
  const started = Date.now();
  for (;;) {
    if (signal?.aborted) throw new WaitError(description, 'interrupted');
    const fatal = giveUp?.();
    if (fatal !== undefined) throw new WaitError(description, fatal);
    const reason = await probe().catch((err: unknown) => describeError(err));
    if (reason === undefined) return;
    if (Date.now() - started >= timeoutMs) {
      throw new WaitError(description, `not ready after ${(timeoutMs / 1000).toFixed(0)}s (last: ${reason})`);
    }
    await sleep(intervalMs, signal);
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
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

/** A short, human reason for a failed probe: "connection refused" rather than a stack trace. */
export function describeError(err: unknown): string {
  const cause = (err as { cause?: unknown } | undefined)?.cause;
  const code = (cause as { code?: string } | undefined)?.code ?? (err as { code?: string } | undefined)?.code;
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ECONNRESET') return 'connection reset';
  if ((err as Error | undefined)?.name === 'TimeoutError') return 'timed out';
  if (code) return code;
  return err instanceof Error ? err.message : String(err);
}
