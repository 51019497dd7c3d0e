import { z } from 'zod';
import { AppError } from '../errors';
import type { FaultContext } from './context';
import { defineFault } from './engine';

/** error_rate percent of affected requests fail with FAULT_INJECTED and error_status. */
export const errorRate = defineFault({
  name: 'error_rate',
  settings: {
    error_rate: z.number().min(0).max(100).default(0).describe('Share of affected requests that fail, percent.'),
    error_status: z.number().int().min(500).max(599).default(500).describe('HTTP status of injected failures.'),
  },
  create: ({ random = Math.random }: FaultContext) => ({
    isActive: (s) => s.error_rate > 0,
    beforeRequest(s) {
      if (random() * 100 >= s.error_rate) return false;
      throw new AppError('FAULT_INJECTED', {
        status: s.error_status,
        disguise: 'INTERNAL',
        details: { fault: 'error_rate', error_rate: s.error_rate },
      });
    },
  }),
});
