import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { AppError } from '../../errors';

const digest = (value: string) => createHash('sha256').update(value).digest();

/** When a token is configured, requires "Authorization: Bearer <token>", compared in constant time. */
export function requireBearer(token: string | undefined): RequestHandler {
  const expected = token === undefined ? undefined : digest(token);
  return (req, _res, next) => {
    if (!expected) return next();
    const match = /^Bearer (.+)$/i.exec(req.get('authorization') ?? '');
    if (!match) throw new AppError('UNAUTHORIZED');
    if (!timingSafeEqual(digest(match[1] as string), expected)) throw new AppError('FORBIDDEN');
    next();
  };
}

/**
 * Browsers send Origin on cross-origin requests; curl and scripts do not. A control-plane call
 * from a page on another origin (even a body-less POST, which needs no CORS preflight) is refused
 * unless that origin is listed in CORS_ORIGINS.
 */
export function refuseForeignOrigins(allowedOrigins: readonly string[]): RequestHandler {
  const allowed = new Set(allowedOrigins);
  return (req, _res, next) => {
    const origin = req.get('origin');
    if (origin === undefined || allowed.has(origin)) return next();
    let sameHost: boolean;
    try {
      sameHost = new URL(origin).host === req.get('host');
    } catch {
      sameHost = false;
    }
    if (!sameHost)
      throw new AppError('FORBIDDEN', {
        message: 'Cross-origin requests to the fault API are refused.',
        details: { origin: origin.slice(0, 200) },
      });
    next();
  };
}
