import { SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import {
  ATTR_DB_OPERATION_NAME,
  ATTR_DB_QUERY_TEXT,
  ATTR_DB_SYSTEM_NAME,
  ATTR_ERROR_TYPE,
  DB_SYSTEM_NAME_VALUE_POSTGRESQL,
} from '@opentelemetry/semantic-conventions';
import type { Pool, PoolClient, QueryConfig, QueryResultRow } from 'pg';
import type { Histogram } from 'prom-client';
import type { DatabaseMetrics } from '../telemetry/metrics';
import { AppError } from '../errors';
import { toDatabaseError } from './errors';

/** A connection that failed this way may be dead: it is destroyed instead of returned to the pool. */
function isConnectionFailure(err: unknown): boolean {
  return (
    err instanceof AppError &&
    (err.code === 'DATABASE_UNAVAILABLE' || err.code === 'DATABASE_TIMEOUT') &&
    err.cause !== undefined
  );
}

/** What a connect hook sees: the logical operation (a query, or a whole transaction) about to take a connection. */
export interface ConnectContext {
  readonly operation: string;
}

/** What a query hook may run its own statements on: the connection the query will use. */
export interface QueryClient {
  query(sql: string, params?: unknown[]): Promise<unknown>;
}

/** What a query hook sees: the logical operation and the connection the query will run on. */
export interface QueryContext {
  readonly operation: string;
  readonly client: QueryClient;
  readonly inTransaction: boolean;
}

/**
 * The points where database faults hook in: before an operation takes a pool connection, and before each
 * query. A hook answers undefined when no fault acts on the operation, so the query pays for no promise.
 */
export interface DatabaseHooks {
  beforeConnect?: (ctx: ConnectContext) => Promise<void> | undefined;
  beforeQuery?: (ctx: QueryContext) => Promise<void> | undefined;
}

/**
 * The single query path of the app: every operation passes the connect hook, every query is timed by
 * operation and passes the query hook, and driver failures become 503 AppErrors. Inside a traced request
 * each query is also a CLIENT span, child of the request's span (none outside a request, or untraced).
 */
export class Database {
  /** The query-duration histogram's child per operation, made once (operations are a fixed set). */
  private readonly timers = new Map<string, Histogram.Internal<string>>();
  private readonly tracer = trace.getTracer('fintech-chaos-workshop/db');

  constructor(
    private readonly pool: Pool,
    private readonly metrics: DatabaseMetrics,
    private readonly hooks: DatabaseHooks = {},
  ) {}

  async query<R extends QueryResultRow = QueryResultRow>(
    operation: string,
    sql: string,
    params: unknown[] = [],
  ): Promise<R[]> {
    const client = await this.connect(operation);
    let failure: unknown;
    try {
      return await this.run<R>(client, operation, { text: sql, values: params });
    } catch (err) {
      failure = err;
      throw err;
    } finally {
      client.release(isConnectionFailure(failure));
    }
  }

  /**
   * Runs one statement that is atomic by itself (a call of a function such as transfer_money) as one round
   * trip, counted as a transaction in flight; `operation` names its prepared statement (one SQL text each). When a query hook uses the connection first (db_slow), the
   * statement runs inside BEGIN .. COMMIT and the hook runs again before the commit: the delay is then spent
   * while the statement's row locks are held, as in a transaction of several statements.
   */
  async atomic<R extends QueryResultRow = QueryResultRow>(
    operation: string,
    sql: string,
    params: unknown[] = [],
  ): Promise<R[]> {
    const client = await this.connect(operation);
    this.metrics.activeTransactions.inc();
    let began = false;
    const hooked: QueryClient = {
      query: async (text, values) => {
        if (!began) {
          began = true;
          await client.query('BEGIN');
        }
        return client.query(text, values);
      },
    };
    let broken = false;
    try {
      // Named after its operation: prepared once per connection, then sent and planned without its text.
      const rows = await this.run<R>(client, operation, { name: operation, text: sql, values: params }, hooked);
      if (began) {
        const hook = this.hooks.beforeQuery?.({ operation, client: hooked, inTransaction: true });
        if (hook) await hook;
        await client.query('COMMIT');
      }
      return rows;
    } catch (err) {
      broken = isConnectionFailure(toDatabaseError(err));
      if (began && !broken) await client.query('ROLLBACK').catch(() => (broken = true));
      throw toDatabaseError(err);
    } finally {
      this.metrics.activeTransactions.dec();
      client.release(broken);
    }
  }

  /** One round trip through the normal query path (faults included), in milliseconds; for health checks. */
  async ping(): Promise<number> {
    const started = process.hrtime.bigint();
    await this.query('health_ping', 'SELECT 1');
    return Number(process.hrtime.bigint() - started) / 1e6;
  }

  private async connect(operation: string): Promise<PoolClient> {
    try {
      const hook = this.hooks.beforeConnect?.({ operation });
      if (hook) await hook;
      return await this.pool.connect();
    } catch (err) {
      this.metrics.dbQueryErrors.inc({ operation });
      throw toDatabaseError(err);
    }
  }

  private async run<R extends QueryResultRow>(
    client: PoolClient,
    operation: string,
    query: QueryConfig,
    hooked?: QueryClient,
  ): Promise<R[]> {
    let timer = this.timers.get(operation);
    if (!timer) this.timers.set(operation, (timer = this.metrics.dbQueryDuration.labels({ operation })));
    const end = timer.startTimer();
    const span = this.querySpan(operation, query.text);
    try {
      const hook = this.hooks.beforeQuery?.({
        operation,
        client: hooked ?? client,
        inTransaction: hooked !== undefined,
      });
      if (hook) await hook;
      const result = await client.query<R>(query);
      return result.rows;
    } catch (err) {
      this.metrics.dbQueryErrors.inc({ operation });
      const failure = toDatabaseError(err);
      if (span) {
        // The AppError's code (DATABASE_UNAVAILABLE, FAULT_INJECTED) or PostgreSQL's SQLSTATE.
        const { code, message } = failure as { code?: string; message?: string };
        span.setAttribute(ATTR_ERROR_TYPE, code ?? 'unknown');
        span.setStatus({ code: SpanStatusCode.ERROR, message });
      }
      throw failure;
    } finally {
      end();
      span?.end();
    }
  }

  /**
   * A span for one query, only under a request's span. It is not made active: nothing below it makes
   * spans, and a fault's event (db_slow, db_fail) then lands on the request's span, as before.
   */
  private querySpan(operation: string, text: string): Span | undefined {
    if (!trace.getActiveSpan()) return undefined;
    return this.tracer.startSpan(operation, {
      kind: SpanKind.CLIENT,
      attributes: {
        [ATTR_DB_SYSTEM_NAME]: DB_SYSTEM_NAME_VALUE_POSTGRESQL,
        [ATTR_DB_OPERATION_NAME]: operation,
        [ATTR_DB_QUERY_TEXT]: text,
      },
    });
  }
}
