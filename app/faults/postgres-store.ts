import { Client, Pool, type PoolClient } from 'pg';
import { AppError } from '../errors';
import type { Logger } from '../telemetry/logger';
import type { ChangeContext, FaultState, FaultStore, ReplicaView, StoreStatus } from './engine';

const CHANNEL = 'chaos_fault_state';
// Replicas start together: one of them creates the tables, the others wait on this lock.
const SCHEMA = `
BEGIN;
SELECT pg_advisory_xact_lock(7270014);
CREATE TABLE IF NOT EXISTS chaos_fault_state (
  id smallint PRIMARY KEY CHECK (id = 1),
  version bigint NOT NULL,
  settings jsonb NOT NULL,
  scopes jsonb NOT NULL,
  hidden boolean NOT NULL DEFAULT false,
  changed_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
-- the masking's own expiry (epoch ms), added after the table first shipped
ALTER TABLE chaos_fault_state ADD COLUMN IF NOT EXISTS hidden_until double precision;
CREATE TABLE IF NOT EXISTS chaos_fault_replicas (
  instance_id text PRIMARY KEY,
  applied_version bigint NOT NULL,
  applied_at timestamptz NOT NULL,
  seen_at timestamptz NOT NULL
);
COMMIT;`;
const READ = `SELECT version, settings, scopes, hidden, hidden_until, extract(epoch FROM clock_timestamp()) * 1000 AS now
  FROM chaos_fault_state WHERE id = 1`;

interface Row<N extends string, S extends object> {
  version: string;
  settings: S;
  scopes: FaultState<N, S>['scopes'];
  hidden: boolean;
  hidden_until: number | null;
  now: string;
}

export interface PostgresStoreOptions<N extends string, S extends object> {
  databaseUrl: string;
  instanceId: string;
  /** Re-read period, the safety net for a lost notification. */
  refreshMs: number;
  /** A replica not seen for this long is no longer a valid target. */
  replicaTtlS: number;
  logger: Logger;
  initial: FaultState<N, S>;
}

/**
 * The fault state in one PostgreSQL row, shared by every replica. Each replica keeps a copy that requests
 * read without a round trip; it learns of changes by LISTEN/NOTIFY and re-reads every refreshMs in case a
 * notification was lost. Its connections are its own (not the app's pool): db_fail and db_slow fake the
 * database's failure for business queries only, and the control plane keeps working under them.
 */
export class PostgresFaultStore<N extends string, S extends object> implements FaultStore<N, S> {
  private state: FaultState<N, S>;
  private offsetMs = 0;
  private syncedAt: number | undefined;
  private readonly createdAt = Date.now();
  private appliedAt = Date.now();
  private replicas: ReplicaView[] = [];
  private listener: Client | undefined;
  private reconnect: NodeJS.Timeout | undefined;
  private readonly timer: NodeJS.Timeout;
  private readonly listeners: ((next: FaultState<N, S>, before: FaultState<N, S>) => void)[] = [];
  private readonly pool: Pool;
  private ready: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly o: PostgresStoreOptions<N, S>) {
    this.state = o.initial;
    this.pool = new Pool({ ...this.connection(), max: 3 });
    this.pool.on('error', () => undefined);
    this.timer = setInterval(() => void this.sync(), o.refreshMs);
    this.timer.unref();
    void this.sync();
  }

  private connection() {
    return {
      connectionString: this.o.databaseUrl,
      connectionTimeoutMillis: 2_000,
      query_timeout: 3_000,
      statement_timeout: 3_000,
      keepAlive: true,
      application_name: `fault-store:${this.o.instanceId}`,
    };
  }

  read(): FaultState<N, S> {
    return this.state;
  }

  now(): number {
    return Date.now() + this.offsetMs;
  }

  staleSeconds(): number {
    return (Date.now() - (this.syncedAt ?? this.createdAt)) / 1000;
  }

  onChange(listener: (next: FaultState<N, S>, before: FaultState<N, S>) => void): void {
    this.listeners.push(listener);
  }

  async change(
    fn: (before: FaultState<N, S>, ctx: ChangeContext) => FaultState<N, S> | undefined,
  ): Promise<FaultState<N, S>> {
    let client: PoolClient;
    try {
      await this.schema();
      client = await this.pool.connect();
    } catch (err) {
      throw unavailable(err);
    }
    let broken = false;
    try {
      await client.query('BEGIN');
      const [row] = (await client.query<Row<N, S>>(`${READ} FOR UPDATE`)).rows;
      const live = await client.query<{ instance_id: string }>(
        `SELECT instance_id FROM chaos_fault_replicas
          WHERE seen_at > clock_timestamp() - make_interval(secs => $1) ORDER BY instance_id`,
        [this.o.replicaTtlS],
      );
      const before = this.fromRow(row!);
      const instances = [...new Set([...live.rows.map((r) => r.instance_id), this.o.instanceId])];
      const next = fn(before, { now: Number(row!.now), instances });
      if (next) {
        await client.query(
          'UPDATE chaos_fault_state SET version = $1, settings = $2, scopes = $3, hidden = $4, hidden_until = $5 WHERE id = 1',
          [next.version, next.settings, next.scopes, next.hidden === true, next.hiddenUntil ?? null],
        );
        await client.query('SELECT pg_notify($1, $2)', [CHANNEL, String(next.version)]);
      }
      await client.query('COMMIT');
      this.apply(next ?? before);
      return next ?? before;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => (broken = true));
      throw err instanceof AppError ? err : unavailable(err);
    } finally {
      client.release(broken);
    }
  }

  async status(): Promise<StoreStatus> {
    try {
      const { rows } = await this.pool.query<ReplicaView>(
        `SELECT instance_id, applied_version::float8 AS applied_version,
                to_json(applied_at) #>> '{}' AS applied_at, to_json(seen_at) #>> '{}' AS seen_at
           FROM chaos_fault_replicas WHERE seen_at > clock_timestamp() - make_interval(secs => $1)
          ORDER BY instance_id`,
        [this.o.replicaTtlS],
      );
      this.replicas = rows;
    } catch {
      // Unreachable: the replicas as last seen, and stale_seconds says how old that is.
    }
    return { kind: 'postgres', stale_seconds: this.staleSeconds(), replicas: this.replicas };
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    clearTimeout(this.reconnect);
    await this.listener?.end().catch(() => undefined);
    await this.pool.end().catch(() => undefined);
  }

  private schema(): Promise<void> {
    this.ready ??= this.pool
      .query(SCHEMA)
      .then(() =>
        this.pool.query(
          `INSERT INTO chaos_fault_state (id, version, settings, scopes) VALUES (1, 0, $1, '{}') ON CONFLICT DO NOTHING`,
          [this.o.initial.settings],
        ),
      )
      .then(() => undefined)
      .catch((err: unknown) => {
        this.ready = undefined;
        throw err;
      });
    return this.ready;
  }

  /** Re-reads the state, reports what this replica applies, and (re)opens the LISTEN connection if it is gone. */
  private async sync(): Promise<void> {
    if (this.closed) return;
    if (!this.listener && !this.reconnect) this.listen();
    try {
      await this.refresh();
      await this.pool.query(
        `INSERT INTO chaos_fault_replicas AS r (instance_id, applied_version, applied_at, seen_at)
         VALUES ($1, $2, to_timestamp($3 / 1000.0), clock_timestamp())
         ON CONFLICT (instance_id) DO UPDATE SET applied_version = excluded.applied_version,
           applied_at = excluded.applied_at, seen_at = excluded.seen_at`,
        [this.o.instanceId, this.state.version, this.appliedAt + this.offsetMs],
      );
    } catch (err) {
      if (this.staleSeconds() * 1000 > this.o.refreshMs * 2)
        this.o.logger.warn('fault store unreachable; applying the last state seen', {
          err: (err as Error).message,
          stale_seconds: Math.round(this.staleSeconds()),
        });
    }
  }

  private async refresh(): Promise<void> {
    await this.schema();
    const sent = Date.now();
    const [row] = (await this.pool.query<Row<N, S>>(READ)).rows;
    // The database clock, seen from here: the midpoint of the round trip.
    this.offsetMs = Number(row!.now) - (sent + Date.now()) / 2;
    this.syncedAt = Date.now();
    this.apply(this.fromRow(row!));
  }

  private listen(): void {
    const client = new Client(this.connection());
    this.listener = client;
    const lost = () => {
      if (this.listener !== client) return;
      this.listener = undefined;
      client.end().catch(() => undefined);
      if (this.closed) return;
      // Reconnected, it re-reads at once: what changed meanwhile is caught up.
      this.reconnect = setTimeout(() => {
        this.reconnect = undefined;
        void this.sync();
      }, 500);
      this.reconnect.unref();
    };
    client.on('error', lost);
    client.on('end', lost);
    client.on('notification', (msg) => {
      if (Number(msg.payload) > this.state.version) void this.sync();
    });
    client
      .connect()
      .then(() => client.query(`LISTEN ${CHANNEL}`))
      .then(() => this.sync())
      .catch(lost);
  }

  private fromRow(row: Row<N, S>): FaultState<N, S> {
    return {
      version: Number(row.version),
      settings: { ...this.o.initial.settings, ...row.settings },
      scopes: row.scopes,
      ...(row.hidden && { hidden: true }),
      ...(row.hidden_until !== null && { hiddenUntil: Number(row.hidden_until) }),
    };
  }

  private apply(next: FaultState<N, S>): void {
    if (next.version <= this.state.version) return;
    const before = this.state;
    this.state = next;
    this.appliedAt = Date.now();
    for (const listener of this.listeners) listener(next, before);
  }
}

function unavailable(cause: unknown): AppError {
  return new AppError('FAULT_STORE_UNAVAILABLE', { cause });
}
