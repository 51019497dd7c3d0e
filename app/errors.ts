/**
 * The error catalogue: every error the API can answer with, by code. Routes throw an AppError;
 * the error middleware (app/http/error-handler.ts) is the only place that renders one.
 */
export const ERRORS = {
  VALIDATION_FAILED: { status: 400, message: 'The request is invalid.' },
  INVALID_JSON: { status: 400, message: 'The request body is not valid JSON.' },
  BAD_REQUEST: { status: 400, message: 'The request could not be read.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'The request body must be application/json.' },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'The request body is too large.' },
  UNAUTHORIZED: { status: 401, message: 'A bearer token is required for this endpoint.' },
  FORBIDDEN: { status: 403, message: 'The bearer token is not valid for this endpoint.' },
  NOT_FOUND: { status: 404, message: 'No such endpoint.' },
  ACCOUNT_NOT_FOUND: { status: 404, message: 'The account does not exist.' },
  TRANSACTION_NOT_FOUND: { status: 404, message: 'The transaction does not exist.' },
  METHOD_NOT_ALLOWED: { status: 405, message: 'Method not allowed on this endpoint.' },
  IDEMPOTENCY_KEY_REUSED: {
    status: 409,
    message: 'This Idempotency-Key was already used with a different request body.',
  },
  INSUFFICIENT_FUNDS: { status: 422, message: 'The source account balance is too low for this transfer.' },
  CURRENCY_MISMATCH: { status: 422, message: 'The accounts and the transfer must use the same currency.' },
  RISK_DECLINED: { status: 422, message: 'The risk service declined this transfer; nothing was moved.' },
  CHAOS_DISABLED: { status: 403, message: 'Fault injection is disabled on this instance (CHAOS_ENABLED=false).' },
  FAULT_INJECTED: { status: 500, message: 'Injected failure (chaos fault error_rate).' },
  DATABASE_UNAVAILABLE: { status: 503, message: 'The database is unavailable; try again shortly.' },
  DATABASE_TIMEOUT: { status: 503, message: 'The database did not answer in time; try again shortly.' },
  DATABASE_BUSY: {
    status: 503,
    message: 'No database connection became free in time: the database is slow, overloaded or not answering.',
  },
  DEPENDENCY_UNAVAILABLE: {
    status: 503,
    message: 'The risk service is unavailable (or its circuit breaker is open); nothing was moved. Try again shortly.',
  },
  DEPENDENCY_TIMEOUT: { status: 504, message: 'The risk service did not answer in time; nothing was moved.' },
  DEPENDENCY_BAD_RESPONSE: {
    status: 502,
    message: 'The risk service sent an answer that could not be read; nothing was moved.',
  },
  SHUTTING_DOWN: { status: 503, message: 'The service is shutting down.' },
  FAULT_STORE_UNAVAILABLE: {
    status: 503,
    message: 'The shared fault store (PostgreSQL) is unreachable: nothing was changed; try again shortly.',
  },
  INTERNAL: { status: 500, message: 'Internal server error.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERRORS;

/** One problem with a request field, as listed in a VALIDATION_FAILED answer. */
export interface FieldProblem {
  path: string;
  message: string;
}

/** An error the API answers with: a catalogue code, optionally a more precise message, details and status. */
export class AppError extends Error {
  readonly status: number;
  readonly details: Record<string, unknown> | undefined;
  /** The code of the real failure an injected error imitates; game-day masking answers with it. */
  readonly disguise: ErrorCode | undefined;

  constructor(
    readonly code: ErrorCode,
    options: {
      message?: string;
      details?: Record<string, unknown>;
      status?: number;
      cause?: unknown;
      disguise?: ErrorCode;
    } = {},
  ) {
    super(options.message ?? ERRORS[code].message, { cause: options.cause });
    this.name = 'AppError';
    this.status = options.status ?? ERRORS[code].status;
    this.details = options.details;
    this.disguise = options.disguise;
  }

  /** The same failure as a real one would read: the imitated code, its catalogue message, no details. */
  disguised(): AppError {
    return new AppError(this.disguise ?? this.code, { status: this.status });
  }
}

export function validationError(problems: FieldProblem[]): AppError {
  return new AppError('VALIDATION_FAILED', { details: { problems } });
}
