import type { Request, Response } from 'express';
import { ENDPOINT_UNMATCHED } from '../telemetry/catalogue';

/** The route template that handled a request ("/api/accounts/:number"), or one shared value for unknown paths. */
export function routeLabel(req: Request): string {
  const route = (req as { route?: { path?: unknown } }).route;
  return typeof route?.path === 'string' ? `${req.baseUrl}${route.path}` : ENDPOINT_UNMATCHED;
}

const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']);

/** The method label, bounded to the usual verbs. */
export function methodLabel(req: Request): string {
  return METHODS.has(req.method) ? req.method : 'OTHER';
}

/** The status a request ended with: its response's, or 499 when the client went away before the answer. */
export function answeredStatus(res: Response): number {
  return res.writableFinished ? res.statusCode : 499;
}
