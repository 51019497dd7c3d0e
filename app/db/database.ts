import type { Pool, PoolClient, QueryResultRow } from 'pg';
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

/** What a query hook sees: the logical operation and the connection the query will run on. */
export interface QueryContext {
  readonly operation: string;
  readonly client: PoolClient;
  readonly inTransaction: boolean;
}

/** The points where database faults hook in: before an operation takes a pool connection, and before each query. */
export interface DatabaseHooks {
  beforeConnect?: (ctx: ConnectContext) => Promise<void>;
  beforeQuery?: (ctx: QueryContext) => Promise<void>;
}

/** A query runner bound to one connection inside a transaction. */
export interface Tx {
  query<R extends QueryResultRow = QueryResultRow>(operation: string, sql: string, params?: unknown[]): Promise<R[]>;
}

/**
 * The single query path of the app: every operation passes the connect hook, every query is timed by
 * operation and passes the query hook, and driver failures become 503 AppErrors.
 */
export class Database {
  /** The query-duration histogram's child per operation, made once (operations are a fixed set). */
  private readonly timers = new Map<string, Histogram.Internal<string>>();

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
      return await this.run<R>(client, operation, sql, params, false);
    } catch (err) {
      failure = err;
      throw err;
    } finally {
      client.release(isConnectionFailure(failure));
    }
  }

  /** Runs fn in one database transaction (BEGIN .. COMMIT, ROLLBACK on any error). */
  async transaction<T>(operation: string, fn: (tx: Tx) => Promise<T>): Promise<T> {
    const client = await this.connect(operation);
    this.metrics.activeTransactions.inc();
    let broken = false;
    try {
      await client.query('BEGIN');
      const tx: Tx = { query: (op, sql, params = []) => this.run(client, op, sql, params, true) };
      const result = await fn(tx);
      // The commit passes the hook too: a slow database delays it while the row locks are held.
      await this.hooks.beforeQuery?.({ operation, client, inTransaction: true });
      await client.query('COMMIT');
      return result;
    } catch (err) {
      try {
        await client.query('ROLLBACK');
      } catch {
        broken = true;
      }
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
      await this.hooks.beforeConnect?.({ operation });
      return await this.pool.connect();
    } catch (err) {
      this.metrics.dbQueryErrors.inc({ operation });
      throw toDatabaseError(err);
    }
  }

  private async run<R extends QueryResultRow>(
    client: PoolClient,
    operation: string,
    sql: string,
    params: unknown[],
    inTransaction: boolean,
  ): Promise<R[]> {
    let timer = this.timers.get(operation);
    if (!timer) this.timers.set(operation, (timer = this.metrics.dbQueryDuration.labels({ operation })));
    const end = timer.startTimer();
    try {
      await this.hooks.beforeQuery?.({ operation, client, inTransaction });
      const result = await client.query<R>(sql, params);
      return result.rows;
    } catch (err) {
      this.metrics.dbQueryErrors.inc({ operation });
      throw toDatabaseError(err);
    } finally {
      end();
    }
  }
}
