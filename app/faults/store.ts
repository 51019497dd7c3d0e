import type { FaultName, FaultSettings } from './catalogue';

/** When and where one fault applies. */
export interface FaultScope {
  startedAt: number;
  expiresAt?: number;
  routes?: string[];
  /** Only these replicas apply the fault (default: every replica). */
  instances?: string[];
}

/** The whole fault state: the flat settings plus, for each active fault, its scope. */
export interface FaultState {
  settings: FaultSettings;
  scopes: Partial<Record<FaultName, FaultScope>>;
  version: number;
}

/** What a change sees besides the state: the store's clock and the replicas it knows. */
export interface ChangeContext {
  now: number;
  instances: readonly string[];
}

/** One replica as the store last saw it. */
export interface ReplicaView {
  instance_id: string;
  applied_version: number;
  applied_at: string;
  seen_at: string;
}

/** How fresh this replica's copy of the state is. */
export interface StoreStatus {
  kind: 'memory' | 'postgres';
  /** Seconds since the copy was last confirmed against the store (0 in memory). */
  stale_seconds: number;
  replicas: ReplicaView[];
}

/**
 * Where the fault state lives. Reads return the replica's cached copy (no round trip per request);
 * a change runs on the newest state and is saved in one atomic step, or throws and saves nothing.
 * `change` returns undefined from its function when there is nothing to save.
 */
export interface FaultStore {
  read(): FaultState;
  /** The store's clock in epoch milliseconds: every replica of a shared store agrees on it. */
  now(): number;
  change(fn: (before: FaultState, ctx: ChangeContext) => FaultState | undefined): FaultState | Promise<FaultState>;
  /** Called with each new state, whichever replica made it. */
  onChange(listener: (next: FaultState, before: FaultState) => void): void;
  /** Seconds since this copy was last confirmed against the store. */
  staleSeconds(): number;
  status(): Promise<StoreStatus>;
  close(): Promise<void>;
}

export class InMemoryFaultStore implements FaultStore {
  private readonly listeners: ((next: FaultState, before: FaultState) => void)[] = [];
  private appliedAt = new Date().toISOString();

  constructor(
    private state: FaultState,
    private readonly instanceId: string,
    readonly now: () => number = Date.now,
  ) {}

  read(): FaultState {
    return this.state;
  }

  change(fn: (before: FaultState, ctx: ChangeContext) => FaultState | undefined): FaultState {
    const before = this.state;
    const next = fn(before, { now: this.now(), instances: [this.instanceId] });
    if (!next) return before;
    this.state = next;
    this.appliedAt = new Date(this.now()).toISOString();
    for (const listener of this.listeners) listener(next, before);
    return next;
  }

  onChange(listener: (next: FaultState, before: FaultState) => void): void {
    this.listeners.push(listener);
  }

  staleSeconds(): number {
    return 0;
  }

  status(): Promise<StoreStatus> {
    const at = new Date(this.now()).toISOString();
    return Promise.resolve({
      kind: 'memory',
      stale_seconds: 0,
      replicas: [
        { instance_id: this.instanceId, applied_version: this.state.version, applied_at: this.appliedAt, seen_at: at },
      ],
    });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
