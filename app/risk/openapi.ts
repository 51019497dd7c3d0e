import type { Operation } from '../openapi';
import { policyUpdateSchema } from './policies';

/** The risk client's policy endpoints in the API's OpenAPI document (present when RISK_URL is set). */
export const POLICY_OPERATIONS: Operation[] = [
  {
    method: 'get',
    path: '/api/policies',
    summary: "The risk client's policies, breaker state and bulkhead",
    tag: 'resilience',
  },
  {
    method: 'post',
    path: '/api/policies',
    summary: 'Merge policy settings (keys left out keep their values); rebuilds the chain, the breaker starts closed',
    tag: 'resilience',
    body: policyUpdateSchema,
  },
  { method: 'post', path: '/api/policies/reset', summary: 'Restore the default policies', tag: 'resilience' },
];
