/** When and where one fault applies. */
export interface FaultScope {
  startedAt: number;
  expiresAt?: number;
  routes?: string[];
  /** Only these replicas apply the fault (default: every replica). */
  instances?: string[];
}

/** The whole fault state: the flat settings plus, for each active fault, its scope. */
export interface FaultState<Name extends string = string, Settings extends object = Record<string, unknown>> {
  settings: Settings;
  scopes: Partial<Record<Name, FaultScope>>;
  version: number;
  /** Game-day masking (docs/gameday.md): the faults act, but nothing a participant can reach names them. */
  hidden?: boolean;
  /**
   * The masking's own expiry (store clock, epoch ms), for a service masked without a fault of its own: during
   * a round every service looks alike, whichever one has the incident. Masking lasts while a hidden fault is
   * on or until this time, whichever is later.
   */
  hiddenUntil?: number;
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

export type StateListener<S> = (next: S, before: S) => void;

/**
 * Where the fault state lives. Reads return the replica's cached copy (no round trip per request);
 * a change runs on the newest state and is saved in one atomic step, or throws and saves nothing.
 * `change` returns undefined from its function when there is nothing to save.
 */
export interface FaultStore<Name extends string = string, Settings extends object = Record<string, unknown>> {
  read(): FaultState<Name, Settings>;
  /** The store's clock in epoch milliseconds: every replica of a shared store agrees on it. */
  now(): number;
  change(
    fn: (before: FaultState<Name, Settings>, ctx: ChangeContext) => FaultState<Name, Settings> | undefined,
  ): FaultState<Name, Settings> | Promise<FaultState<Name, Settings>>;
  /** Called with each new state, whichever replica made it. */
  onChange(listener: StateListener<FaultState<Name, Settings>>): void;
  /** Seconds since this copy was last confirmed against the store. */
  staleSeconds(): number;
  status(): Promise<StoreStatus>;
  close(): Promise<void>;
}

/** The state of one process: for a single replica and for tests. */
export class InMemoryFaultStore<Name extends string, Settings extends object> implements FaultStore<Name, Settings> {
  private readonly listeners: StateListener<FaultState<Name, Settings>>[] = [];
  private appliedAt = new Date().toISOString();

  constructor(
    private state: FaultState<Name, Settings>,
    private readonly instanceId: string,
    readonly now: () => number = Date.now,
  ) {}

  read(): FaultState<Name, Settings> {
    return this.state;
  }

  change(
    fn: (before: FaultState<Name, Settings>, ctx: ChangeContext) => FaultState<Name, Settings> | undefined,
  ): FaultState<Name, Settings> {
    const before = this.state;
    const next = fn(before, { now: this.now(), instances: [this.instanceId] });
    if (!next) return before;
    this.state = next;
    this.appliedAt = new Date(this.now()).toISOString();
    for (const listener of this.listeners) listener(next, before);
    return next;
  }

  onChange(listener: StateListener<FaultState<Name, Settings>>): void {
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
