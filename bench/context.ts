import type { Environment } from './environment';
import type { ServerProcesses } from './servers';

/** How long and how often each part measures; `quick` is for trying the harness, not for numbers. */
export interface Settings {
  /** Repetitions of each figure (min / median / max are over these). */
  runs: number;
  /** Interleaved rounds of the paired throughput comparisons that carry targets (overhead, transfers). */
  rounds: number;
  /** Seconds of each throughput run (overhead, transfers, pgbench). */
  loadSeconds: number;
  /** Seconds of warm-up load before measuring a server (JIT, pool, caches). */
  warmupSeconds: number;
  /** Concurrent connections of the throughput runs, and pgbench's clients. */
  connections: number;
}

export const FULL_SETTINGS: Readonly<Settings> = Object.freeze({
  runs: 3,
  rounds: 5,
  loadSeconds: 5,
  warmupSeconds: 1,
  connections: 10,
});
export const QUICK_SETTINGS: Readonly<Settings> = Object.freeze({
  runs: 1,
  rounds: 1,
  loadSeconds: 1,
  warmupSeconds: 1,
  connections: 10,
});

/** What every part of the benchmark is given by the orchestrator. */
export interface BenchContext {
  settings: Settings;
  servers: ServerProcesses;
  /** Superuser URL of the PostgreSQL the parts 1-4, 6 and 7 run against (empty during part 5). */
  adminUrl: string;
  /** Its data directory (to find its processes), empty when there is none. */
  postgresDataDir: string;
  progress: (line: string) => void;
  /** Registers something to undo at the end, also on failure or Ctrl-C (run last-in, first-out). */
  defer(cleanup: () => Promise<void> | void): void;
  signal: AbortSignal;
  /** Parts add the versions they find (PostgreSQL, pgbench, Prometheus) to environment.tools. */
  environment: Environment;
}

/** Undo actions run last-in, first-out, each once, whatever the others do. */
export class Cleanup {
  private readonly actions: (() => Promise<void> | void)[] = [];

  add(action: () => Promise<void> | void): void {
    this.actions.push(action);
  }

  async runAll(onError: (err: unknown) => void): Promise<void> {
    while (this.actions.length > 0) {
      const action = this.actions.pop() as () => Promise<void> | void;
      try {
        await action();
      } catch (err) {
        onError(err);
      }
    }
  }
}
