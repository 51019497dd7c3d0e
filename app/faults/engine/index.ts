/**
 * The fault engine: what any service needs to be broken on demand. Define faults, list them in a
 * catalogue, build a registry (the one mutable store), mount its gate before the business routes and
 * its router for /api/failures and /api/reset. The API service's faults live next to this folder.
 */
export { defineFault, type FaultDefinition, type FaultHooks, type RequestScope, type SettingsShape } from './fault';
export { createCatalogue, scopeSettings, type Catalogue } from './catalogue';
export { FaultRegistry, initialFaultState, type FaultView, type RegistryDeps } from './registry';
export {
  InMemoryFaultStore,
  type ChangeContext,
  type FaultScope,
  type FaultState,
  type FaultStore,
  type ReplicaView,
  type StoreStatus,
} from './store';
export { controlPlaneGuards, faultRouter, faultOperations } from './router';
export { CONTROL_PLANE, CONTROL_PLANE_PATHS, NOT_CONTROL_PLANE } from './control-plane';
export { createFaultMetrics, type FaultMetrics } from '../../telemetry/metrics';
