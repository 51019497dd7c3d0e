import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';

/** What code deep in a request (the database faults, the logger) may need to know about it. */
export interface RequestContext {
  readonly requestId: string;
  readonly path: string;
  /** Set on first use by telemetry/trace-context.ts when no exported span carries the ids. */
  traceIds?: { trace_id: string; span_id: string };
}

const storage = new AsyncLocalStorage<RequestContext>();

export function currentRequest(): RequestContext | undefined {
  return storage.getStore();
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** Gives each request an id (a well-formed incoming X-Request-Id is kept) and makes it visible downstream. */
export function requestContext(): RequestHandler {
  return (req, res, next) => {
    const incoming = req.get('x-request-id');
    const requestId = incoming && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    res.locals.requestId = requestId;
    res.setHeader('X-Request-Id', requestId);
    storage.run({ requestId, path: req.path }, next);
  };
}
