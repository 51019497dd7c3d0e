import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { defineFault } from './engine';

/** Affected requests wait latency_ms (+ up to latency_jitter_ms) before their handler runs. */
export const latency = defineFault({
  name: 'latency',
  settings: {
    latency_ms: z.number().int().min(0).max(60_000).default(0).describe('Delay before each affected request, ms.'),
    latency_jitter_ms: z
      .number()
      .int()
      .min(0)
      .max(60_000)
      .default(0)
      .describe('Extra random delay 0..jitter added to latency_ms, ms.'),
  },
  create: () => ({
    isActive: (s) => s.latency_ms > 0 || s.latency_jitter_ms > 0,
    async beforeRequest(s) {
      await sleep(s.latency_ms + Math.floor(Math.random() * (s.latency_jitter_ms + 1)));
      return true;
    },
  }),
});
