import express, { type RequestHandler } from 'express';
import { AppError } from '../errors';

const WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);

/** Requests that carry a body must send JSON; the parser is strict (objects and arrays only) and bounded. */
export function jsonBody(limitKb: number): RequestHandler[] {
  const requireJson: RequestHandler = (req, _res, next) => {
    const hasBody = Number(req.get('content-length') ?? 0) > 0 || req.get('transfer-encoding') !== undefined;
    if (WITH_BODY.has(req.method) && hasBody && !req.is('application/json')) {
      throw new AppError('UNSUPPORTED_MEDIA_TYPE', { details: { content_type: (req.get('content-type') ?? '').slice(0, 100) } });
    }
    next();
  };
  return [requireJson, express.json({ limit: `${limitKb}kb`, strict: true })];
}
