import type { Operation } from '../openapi';
import { updateSchema } from './catalogue';

/** The control plane in the OpenAPI document. */
export const FAULT_OPERATIONS: Operation[] = [
  { method: 'get', path: '/api/failures', summary: 'Current faults, when each started and expires', tag: 'chaos' },
  {
    method: 'post',
    path: '/api/failures',
    summary: 'Merge settings into the current faults (keys left out keep their values)',
    tag: 'chaos',
    body: updateSchema,
  },
  { method: 'post', path: '/api/reset', summary: 'Switch every fault off and release held memory', tag: 'chaos' },
];
