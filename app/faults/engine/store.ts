/** When and where one fault applies. */
export interface FaultScope {
  startedAt: number;
  expiresAt?: number;
  routes?: string[];
}

/** The whole fault state: the flat settings plus, for each active fault, its scope. */
export interface FaultState<Name extends string = string, Settings extends object = Record<string, unknown>> {
  settings: Settings;
  scopes: Partial<Record<Name, FaultScope>>;
  version: number;
  /** Game-day masking (docs/gameday.md): the faults act, but nothing a participant can reach names them. */
  hidden?: boolean;
}

/**
 * Where the fault state lives. In memory for one instance; the interface is what a shared
 * store (e.g. a PostgreSQL table read by several API instances) will implement.
 */
export interface FaultStore<Name extends string = string, Settings extends object = Record<string, unknown>> {
  read(): FaultState<Name, Settings>;
  write(state: FaultState<Name, Settings>): void;
}

export class InMemoryFaultStore<Name extends string, Settings extends object> implements FaultStore<Name, Settings> {
  constructor(private state: FaultState<Name, Settings>) {}

  read(): FaultState<Name, Settings> {
    return this.state;
  }

  write(state: FaultState<Name, Settings>): void {
    this.state = state;
  }
}
