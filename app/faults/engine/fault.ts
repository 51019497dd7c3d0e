import type { Request, Response } from 'express';
import type { z } from 'zod';
import type { ConnectContext, QueryContext } from '../../db/database';

/** What a request-level fault sees of the request it acts on. */
export interface RequestScope {
  readonly req: Request;
  readonly res: Response;
}

/** A fault's settings: each a zod schema with a default, so "off" is a complete settings object. */
export type SettingsShape = Record<string, z.ZodDefault<z.ZodType>>;
export type SettingsOf<Shape extends SettingsShape> = z.output<z.ZodObject<Shape>>;

/**
 * What one running fault does. It implements only the hooks it needs; the registry applies the
 * generic parts (route scope, expiry, metrics, span events) and calls the hooks of active faults.
 */
export interface FaultHooks<S> {
  isActive(settings: S): boolean;
  /** Acts on a business request before its handler; returns true when it affected the request. */
  beforeRequest?(settings: S, scope: RequestScope): Promise<boolean> | boolean;
  /**
   * Acts on a database operation (a query or a whole transaction) before it takes a pool connection, so
   * nothing reaches PostgreSQL and a full pool cannot delay it; returns true when it affected the operation.
   */
  beforeConnect?(settings: S, operation: ConnectContext): Promise<boolean> | boolean;
  /** Acts on a database query before it runs, on the connection it will use; returns true when it affected the query. */
  beforeQuery?(settings: S, query: QueryContext): Promise<boolean> | boolean;
  /** Completes an update of this fault's own keys before it is merged (e.g. a delay implies "on"). */
  complete?(change: Partial<S>): Partial<S>;
  /** Releases what the fault holds (switched off, expired or reset); what it returns joins the reset answer. */
  stop?(): Record<string, unknown> | void;
  /** Extra state for this fault's entry in GET /api/failures. */
  status?(): Record<string, unknown>;
  /** Top-level fields of GET /api/failures. */
  summary?(): Record<string, unknown>;
}

/** One kind of fault: its name, its settings schema (its keys are derived from it) and how to build it. */
export interface FaultDefinition<Name extends string, Shape extends SettingsShape, Context> {
  readonly name: Name;
  readonly settings: Shape;
  create(context: Context): FaultHooks<SettingsOf<Shape>>;
}

/** Declares a fault; the identity function that gives its hooks the types of its own settings. */
export function defineFault<Name extends string, Shape extends SettingsShape, Context = unknown>(
  definition: FaultDefinition<Name, Shape, Context>,
): FaultDefinition<Name, Shape, Context> {
  return definition;
}
