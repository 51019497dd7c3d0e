import v8 from 'node:v8';
import vm from 'node:vm';
import { z } from 'zod';
import type { FaultContext } from './context';
import { defineFault } from './engine';

const MB = 1024 * 1024;

/** Asks V8 for a full collection, so released buffers leave RSS promptly after a reset. */
function collectGarbage(): void {
  v8.setFlagsFromString('--expose-gc');
  (vm.runInNewContext('gc') as () => void)();
}

/**
 * Each affected request retains memory_leak_mb of real, touched memory (RSS grows), never more
 * than memoryCapBytes in total. stop() drops every reference and collects, so memory falls back.
 */
export const memoryLeak = defineFault({
  name: 'memory_leak',
  settings: {
    memory_leak_mb: z
      .number()
      .min(0)
      .max(100)
      .default(0)
      .describe('Memory retained per affected request, MB (up to MEMORY_LEAK_CAP_MB in total).'),
  },
  create: ({ memoryCapBytes, onLeakChange }: FaultContext) => {
    const chunks: Buffer[] = [];
    let leaked = 0;
    let capped = 0;
    return {
      isActive: (s) => s.memory_leak_mb > 0,
      beforeRequest(s) {
        const size = Math.round(s.memory_leak_mb * MB);
        if (size === 0) return false;
        if (leaked + size > memoryCapBytes) {
          capped += 1;
          return false;
        }
        chunks.push(Buffer.alloc(size, 0xa5));
        leaked += size;
        onLeakChange(leaked);
        return true;
      },
      stop() {
        const released = leaked;
        if (released === 0) return { released_bytes: 0 };
        chunks.length = 0;
        leaked = 0;
        capped = 0;
        onLeakChange(0);
        collectGarbage();
        return { released_bytes: released };
      },
      status: () => ({ leaked_bytes: leaked, cap_bytes: memoryCapBytes, capped_requests: capped }),
      summary: () => ({ leaked_bytes: leaked }),
    };
  },
});
