import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { AppError } from '../errors';

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
