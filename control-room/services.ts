import type { Scenario } from '../scenarios/lib/scenario';
import type { ControlRoomConfig } from './config';

/** A service the scenarios can break (a case's `target`): the page drives its fault API. */
export type ServiceId = NonNullable<Scenario['target']>;

/** One service of the page, as the page sees it (its address stays on the server). */
export interface FaultService {
  id: ServiceId;
  title: string;
}

/** Every service with a fault API, in the page's order, and the setting that locates it. */
export const FAULT_SERVICES: readonly (FaultService & { url: (config: ControlRoomConfig) => string })[] = [
  { id: 'api', title: 'The API', url: (c) => c.API_URL },
  { id: 'risk', title: 'The risk service', url: (c) => c.RISK_URL },
];

/** Where the control room forwards a service's paths: /services/<id>/api/failures -> <its URL>/api/failures. */
export const servicePrefix = (id: ServiceId): string => `/services/${id}`;
