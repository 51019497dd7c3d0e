import type { FaultName, FaultSettings } from './catalogue';

/** When and where one fault applies. */
export interface FaultScope {
  startedAt: number;
  expiresAt?: number;
  routes?: string[];
}

/** The whole fault state: the flat settings plus, for each active fault, its scope. */
export interface FaultState {
  settings: FaultSettings;
  scopes: Partial<Record<FaultName, FaultScope>>;
  version: number;
}

/**
 * Where the fault state lives. In memory for one instance; the interface is what a shared
 * store (e.g. a PostgreSQL table read by several API instances) will implement.
 */
export interface FaultStore {
  read(): FaultState;
  write(state: FaultState): void;
}

export class InMemoryFaultStore implements FaultStore {
  constructor(private state: FaultState) {}

  read(): FaultState {
    return this.state;
  }

  write(state: FaultState): void {
    this.state = state;
  }
}
