import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { defineFault } from './engine';

/** Each affected request spins the CPU synchronously, so the whole event loop stalls, as a hot loop in Node would. */
export const cpuBurn = defineFault({
  name: 'cpu_burn',
  settings: {
    cpu_burn_ms: z
      .number()
      .int()
      .min(0)
      .max(5_000)
      .default(0)
      .describe('Synchronous CPU burn per affected request, ms (blocks the event loop).'),
  },
  create: () => ({
    isActive: (s) => s.cpu_burn_ms > 0,
    beforeRequest(s) {
      const until = performance.now() + s.cpu_burn_ms;
      let x = 0;
      while (performance.now() < until) x = (x * 31 + 7) % 1_000_003;
      return x >= 0;
    },
  }),
});
