import { z } from 'zod';
import { AppError } from '../errors';
import type { Fault } from './fault';

export const errorRateSettings = {
  error_rate: z.number().min(0).max(100).default(0).describe('Share of affected requests that fail, percent.'),
  error_status: z.number().int().min(500).max(599).default(500).describe('HTTP status of injected failures.'),
};

/** error_rate percent of affected requests fail with FAULT_INJECTED and error_status. */
export function errorRateFault(random: () => number = Math.random): Fault {
  return {
    name: 'error_rate',
    keys: ['error_rate', 'error_status'],
    isActive: (s) => s.error_rate > 0,
    beforeRequest(s) {
      if (random() * 100 >= s.error_rate) return false;
      throw new AppError('FAULT_INJECTED', {
        status: s.error_status,
        details: { fault: 'error_rate', error_rate: s.error_rate },
      });
    },
  };
}
