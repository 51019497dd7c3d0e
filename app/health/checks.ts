import fs from 'node:fs/promises';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { AppError } from '../errors';
import type { Database } from '../db/database';

export type CheckStatus = 'ok' | 'degraded' | 'failed';

export interface Check {
  status: CheckStatus;
  [detail: string]: unknown;
}

/** Thresholds above which a check reports "degraded" (the service still answers). */
export const DEGRADED_AT = {
  dbLatencyMs: 500,
  eventLoopLagMs: 200,
  rssBytes: 1024 ** 3,
  diskFreeBytes: 512 * 1024 ** 2,
} as const;

/** Runs the dependency and process checks behind /healthz. Owns the event-loop delay monitor. */
export class HealthChecks {
  private readonly loop: IntervalHistogram = monitorEventLoopDelay({ resolution: 20 });

  constructor(
    private readonly db: Database,
    private readonly diskPath: string,
  ) {
    this.loop.enable();
  }

  stop(): void {
    this.loop.disable();
  }

  async database(): Promise<Check> {
    try {
      const latency = await this.db.ping();
      return {
        status: latency > DEGRADED_AT.dbLatencyMs ? 'degraded' : 'ok',
        latency_ms: Math.round(latency * 100) / 100,
      };
    } catch (err) {
      const code = err instanceof AppError ? err.code : 'INTERNAL';
      return { status: 'failed', error: code };
    }
  }

  eventLoop(): Check {
    const p99 = this.loop.percentile(99) / 1e6;
    this.loop.reset();
    return { status: p99 > DEGRADED_AT.eventLoopLagMs ? 'degraded' : 'ok', lag_p99_ms: Math.round(p99 * 100) / 100 };
  }

  memory(): Check {
    const m = process.memoryUsage();
    return { status: m.rss > DEGRADED_AT.rssBytes ? 'degraded' : 'ok', rss_bytes: m.rss, heap_used_bytes: m.heapUsed };
  }

  async disk(): Promise<Check> {
    try {
      const s = await fs.statfs(this.diskPath);
      const free = s.bavail * s.bsize;
      return { status: free < DEGRADED_AT.diskFreeBytes ? 'degraded' : 'ok', free_bytes: free };
    } catch {
      return { status: 'degraded', error: 'statfs failed' };
    }
  }

  uptime(): Check {
    return { status: 'ok', seconds: Math.round(process.uptime()) };
  }

  /** All checks; unhealthy when the database fails, degraded when anything else is off. */
  async all(): Promise<{ status: 'healthy' | 'degraded' | 'unhealthy'; checks: Record<string, Check> }> {
    const [database, disk] = await Promise.all([this.database(), this.disk()]);
    const checks = { database, event_loop: this.eventLoop(), memory: this.memory(), disk, uptime: this.uptime() };
    const statuses = Object.values(checks).map((c) => c.status);
    const status =
      database.status === 'failed' ? 'unhealthy' : statuses.every((s) => s === 'ok') ? 'healthy' : 'degraded';
    return { status, checks };
  }
}
