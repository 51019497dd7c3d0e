import type { ErrorRequestHandler, RequestHandler } from 'express';
import { AppError, type ErrorCode } from '../errors';
import type { Logger } from '../telemetry/logger';
import type { HttpMetrics } from '../telemetry/metrics';
import { responseSpanIds } from '../telemetry/trace-context';

/** body-parser's error types, mapped to catalogue codes. */
const BODY_ERRORS: Record<string, ErrorCode> = {
  'entity.parse.failed': 'INVALID_JSON',
  'entity.too.large': 'PAYLOAD_TOO_LARGE',
  'encoding.unsupported': 'UNSUPPORTED_MEDIA_TYPE',
  'charset.unsupported': 'UNSUPPORTED_MEDIA_TYPE',
};

function asAppError(err: unknown): AppError | undefined {
  if (err instanceof AppError) return err;
  const e = err as { type?: string; status?: number; expose?: boolean };
  if (e?.type && BODY_ERRORS[e.type]) return new AppError(BODY_ERRORS[e.type] as ErrorCode, { cause: err });
  // The router marks a path parameter it cannot percent-decode with status 400 but not `expose`.
  if ((e?.expose || err instanceof URIError) && typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
    return new AppError('BAD_REQUEST', { status: e.status, cause: err });
  }
  return undefined;
}

/** An error as a log field: message, code and stack (the stack goes to the log only, never to a client). */
function describe(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { message: String(err) };
  return { name: err.name, message: err.message, code: (err as { code?: unknown }).code, stack: err.stack };
}

/** An AppError's cause as one log string ("Error: connect ECONNREFUSED ..."). */
function causeText(cause: unknown): string {
  if (cause instanceof Error) return cause.toString();
  return typeof cause === 'string' ? cause : (JSON.stringify(cause) ?? '');
}

/** The only place an error becomes a response: `{"error": {code, message, details?, request_id, trace_id?}}`. */
export function errorHandler(logger: Logger, metrics: HttpMetrics): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const known = asAppError(err);
    const error = known ?? new AppError('INTERNAL');
    // Passed explicitly: the request's context is not always propagated to where the logger runs.
    const ids = responseSpanIds(res);
    if (!known)
      logger.error('unhandled error', {
        err: describe(err),
        method: req.method,
        path: req.path,
        request_id: res.locals.requestId as string | undefined,
        ...ids,
      });
    else if (error.status >= 500 && error.code !== 'FAULT_INJECTED')
      logger.warn(error.message, { code: error.code, cause: causeText(error.cause), ...ids });
    metrics.errorsTotal.inc({ code: error.code, status: String(error.status) });
    if (res.headersSent) return void res.destroy();
    const traceId = ids?.trace_id;
    if (error.status === 401) res.setHeader('WWW-Authenticate', 'Bearer');
    if (error.code.startsWith('DATABASE_')) res.setHeader('Retry-After', '1');
    res.status(error.status).json({
      error: {
        code: error.code,
        message: error.message,
        ...(error.details && { details: error.details }),
        request_id: res.locals.requestId as string | undefined,
        ...(traceId && { trace_id: traceId }),
      },
    });
  };
}

export function notFound(): RequestHandler {
  return (req) => {
    throw new AppError('NOT_FOUND', { details: { method: req.method, path: req.path.slice(0, 200) } });
  };
}
