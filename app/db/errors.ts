import { AppError } from '../errors';

const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ETIMEDOUT',
  'EPIPE',
  '57P01',
  '57P02',
  '57P03',
  '53300',
]);
const UNAVAILABLE_MESSAGES =
  /Connection terminated|terminating connection|Client has encountered a connection error|connection is closed|Cannot use a pool after calling end/i;

/** Maps driver and server failures that mean "the database is not there" to 503 errors; anything else passes through. */
export function toDatabaseError(err: unknown): unknown {
  if (err instanceof AppError) return err;
  const e = err as { code?: string; message?: string };
  // The pool gave no connection within DB_CONNECT_TIMEOUT_MS: usually every connection is held by slow queries.
  if (/timeout exceeded when trying to connect/i.test(e?.message ?? ''))
    return new AppError('DATABASE_BUSY', { cause: err });
  if (e?.code === '57014' || /Query read timeout/i.test(e?.message ?? '')) {
    return new AppError('DATABASE_TIMEOUT', { cause: err });
  }
  // 08: connection exceptions; 28: wrong credentials; 3D000: no such database. None is the request's fault.
  if (
    (e?.code &&
      (UNAVAILABLE_CODES.has(e.code) || e.code.startsWith('08') || e.code.startsWith('28') || e.code === '3D000')) ||
    UNAVAILABLE_MESSAGES.test(e?.message ?? '')
  ) {
    return new AppError('DATABASE_UNAVAILABLE', { cause: err });
  }
  return err;
}
