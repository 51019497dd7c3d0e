import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { RequestHandler, Response } from 'express';

/** What code deep in a request (the database faults, the logger) may need to know about it. */
export interface RequestContext {
  readonly requestId: string;
  readonly path: string;
  /** The app made the request id (a random UUID), rather than taking the client's X-Request-Id. */
  readonly ownId: boolean;
  /** Set on first use by telemetry/trace-context.ts when no exported span carries the ids. */
  traceIds?: { trace_id: string; span_id: string };
}

const storage = new AsyncLocalStorage<RequestContext>();

/** The context of the request this code runs for, while it is propagated (see requestContext). */
export function currentRequest(): RequestContext | undefined {
  return storage.getStore();
}

/** The context requestContext() gave this response's request (always there, propagated or not). */
export function requestOf(res: Response): RequestContext | undefined {
  return res.locals.request as RequestContext | undefined;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * Gives each request an id (a well-formed incoming X-Request-Id is kept) and a context on res.locals.
 * The context is also made visible to code deep in the request (currentRequest) only while
 * `propagate()` says something there reads it: AsyncLocalStorage makes every promise and callback
 * of the process pay for the propagation (about 60 µs of CPU per GET /api/balance here).
 */
export function requestContext(options: { propagate?: () => boolean } = {}): RequestHandler {
  const propagate = options.propagate ?? (() => true);
  return (req, res, next) => {
    const incoming = req.get('x-request-id');
    const kept = incoming && REQUEST_ID.test(incoming) ? incoming : undefined;
    const requestId = kept ?? randomUUID();
    const context: RequestContext = { requestId, path: req.path, ownId: kept === undefined };
    res.locals.requestId = requestId;
    res.locals.request = context;
    res.setHeader('X-Request-Id', requestId);
    if (propagate()) return storage.run(context, next);
    // Switches the async hooks off again once nothing reads the context (a no-op while they are off).
    storage.disable();
    next();
  };
}
