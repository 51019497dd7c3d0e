/**
 * The one file through which the risk service reaches the fault engine of app/faults (imported, not copied):
 * the registry, its control-plane router, their OpenAPI operations. The engine's fault metrics keep their
 * fintech_fault_* names; Prometheus tells the two services apart by job.
 */
import type { Registry } from 'prom-client';
import { FaultRegistry } from '../app/faults/registry';
import { faultRoutes } from '../app/faults/routes';
import { FAULT_OPERATIONS } from '../app/faults/openapi';
import { METRICS } from '../app/telemetry/catalogue';
import type { Logger } from '../app/telemetry/logger';
import { counter, gauge, type Metrics } from '../app/telemetry/metrics';

export { faultRoutes, FAULT_OPERATIONS, FaultRegistry };

/** The risk service's fault registry, its metrics on the service's own prom-client registry. */
export function createRiskFaults(
  promRegistry: Registry,
  logger: Logger,
  options: { enabled: boolean; dbSlowDefaultMs: number },
): FaultRegistry {
  const metrics = {
    faultActive: gauge(promRegistry, METRICS.faultActive),
    faultSetting: gauge(promRegistry, METRICS.faultSetting),
    faultAffectedRequests: counter(promRegistry, METRICS.faultAffectedRequests),
    faultLeakedBytes: gauge(promRegistry, METRICS.faultLeakedBytes),
    faultChangesTotal: counter(promRegistry, METRICS.faultChangesTotal),
  };
  // Only these members are used by the registry of today's engine; its next version takes exactly them.
  return new FaultRegistry(
    { metrics: metrics as unknown as Metrics, logger, enabled: options.enabled },
    { memoryCapBytes: 64 * 1024 * 1024, dbSlowDefaultMs: options.dbSlowDefaultMs },
  );
}
