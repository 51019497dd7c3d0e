import type { Request, Response } from 'express';
import type { ConnectContext, QueryContext } from '../db/database';
import type { FaultName, FaultSettings } from './catalogue';

/** What a request-level fault sees of the request it acts on. */
export interface RequestScope {
  readonly req: Request;
  readonly res: Response;
}

/**
 * One kind of fault. It implements only the hooks it needs; the registry applies the generic
 * parts (route scope, expiry, metrics, span events) and calls the hooks of active faults.
 */
export interface Fault {
  readonly name: FaultName;
  /** The settings keys this fault owns. */
  readonly keys: readonly (keyof FaultSettings)[];
  isActive(settings: FaultSettings): boolean;
  /** Acts on a business request before its handler; returns true when it affected the request. */
  beforeRequest?(settings: FaultSettings, scope: RequestScope): Promise<boolean> | boolean;
  /**
   * Acts on a database operation (a query or a whole transaction) before it takes a pool connection, so
   * nothing reaches PostgreSQL and a full pool cannot delay it; returns true when it affected the operation.
   */
  beforeConnect?(settings: FaultSettings, operation: ConnectContext): Promise<boolean> | boolean;
  /** Acts on a database query before it runs, on the connection it will use; returns true when it affected the query. */
  beforeQuery?(settings: FaultSettings, query: QueryContext): Promise<boolean> | boolean;
  /** Releases what the fault holds (called when it is switched off, expires or on reset). */
  stop?(): void;
  /** Extra state worth showing in GET /api/failures. */
  status?(): Record<string, unknown>;
}
