/**
 * The one file through which the risk service reaches the fault engine (app/faults/engine, imported, not
 * copied) with the API's fault catalogue. The engine's fault metrics keep their fintech_fault_* names;
 * Prometheus tells the two services apart by job.
 */
import type { Registry } from 'prom-client';
import { catalogue, type ApiFaultRegistry } from '../app/faults/catalogue';
import { FaultRegistry, createFaultMetrics, faultOperations } from '../app/faults/engine';
import { METRICS } from '../app/telemetry/catalogue';
import type { Logger } from '../app/telemetry/logger';
import { gauge } from '../app/telemetry/metrics';

export { faultRouter } from '../app/faults/engine';
export type { ApiFaultRegistry as FaultRegistry };

/** The fault API in the risk service's OpenAPI document and endpoint list. */
export const FAULT_OPERATIONS = faultOperations(catalogue.updateSchema);

/** The risk service's fault registry, its metrics on the service's own prom-client registry. */
export function createRiskFaults(
  promRegistry: Registry,
  logger: Logger,
  options: { enabled: boolean; dbSlowDefaultMs: number; exempt: readonly string[] },
): ApiFaultRegistry {
  const leakedBytes = gauge(promRegistry, METRICS.faultLeakedBytes);
  return new FaultRegistry(catalogue, {
    metrics: createFaultMetrics(promRegistry),
    logger,
    enabled: options.enabled,
    context: {
      memoryCapBytes: 64 * 1024 * 1024,
      dbSlowDefaultMs: options.dbSlowDefaultMs,
      onLeakChange: (bytes) => leakedBytes.set(bytes),
    },
    exempt: options.exempt,
  });
}
