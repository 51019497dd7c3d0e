import type { RequestHandler } from 'express';
import type { RouteId } from '../routes';
import type { HealthChecks } from './checks';

/** The handlers of the health routes (their paths are in app/routes.ts). */
export function healthHandlers(
  health: HealthChecks,
): Record<Extract<RouteId, 'livez' | 'health' | 'healthz'>, RequestHandler> {
  return {
    // Liveness only: never touches the database, so an orchestrator does not restart us for its outage.
    livez: (_req, res) => {
      res.json({ status: 'alive', uptime_s: Math.round(process.uptime()) });
    },

    // The workshop's health check: 200 when the database answers, 503 when it does not. Faults apply.
    health: async (_req, res) => {
      const { status, ...detail } = await health.database();
      const healthy = status !== 'failed';
      res.status(healthy ? 200 : 503).json({
        status: healthy ? 'healthy' : 'unhealthy',
        database: healthy ? 'connected' : 'unreachable',
        ...detail,
        timestamp: new Date().toISOString(),
      });
    },

    healthz: async (_req, res) => {
      const report = await health.all();
      res.status(report.status === 'unhealthy' ? 503 : 200).json({ ...report, timestamp: new Date().toISOString() });
    },
  };
}
