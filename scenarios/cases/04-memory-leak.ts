import { q } from '../lib/queries';
import type { ScenarioFactory } from '../lib/scenario';
import { healthyApi, memoryGuard, recovered, level } from './common';

const MB = 1024 * 1024;
const LEAK_MB = 5;
const RATE = 4;

/** docs/cases/04-memory-leak.md: 5 MB per request at 4 req/s grows RSS ~20 MB/s up to the cap; reset frees it. */
export const memoryLeak: ScenarioFactory = (profile, { memoryCapBytes = 512 * MB }) => ({
  id: 4,
  slug: 'memory-leak',
  title: 'Memory leak',
  doc: 'docs/cases/04-memory-leak.md',
  hypothesis: `With memory_leak_mb ${LEAK_MB} at ${RATE} req/s, resident memory grows at about ${LEAK_MB * RATE} MB/s (what the load implies), the memory-leak alert fires, the leak stops at its cap, and memory falls back after the reset.`,
  faults: { memory_leak_mb: LEAK_MB },
  load: { connections: 2, overallRate: RATE, requests: [{ method: 'GET', path: '/api/balance' }] },
  mainSignal: { name: 'resident memory', expr: q.rss(), unit: 'bytes' },
  steadyState: healthyApi(profile),
  expectations: [
    {
      kind: 'metric',
      name: 'RSS grows at the rate the load implies (observed / implied)',
      proves: 'memory_leak_mb',
      expr: `${q.rssGrowth(profile.window)} / (${q.leakRate(profile.window)})`,
      unit: 'count',
      tolerance: { kind: 'range', min: 0.5, max: 1.5 },
    },
    { kind: 'alert', name: 'FintechMemoryLeak fires', alert: 'FintechMemoryLeak', firing: true },
    {
      kind: 'metric',
      name: 'the leak reaches its cap and stops there',
      expr: q.leakedBytes(),
      unit: 'bytes',
      tolerance: { kind: 'range', min: memoryCapBytes - LEAK_MB * MB, max: memoryCapBytes },
    },
  ],
  recovery: [
    ...recovered(profile),
    level('leaked bytes released', q.leakedBytes(), 'bytes', { max: 0 }),
    level('RSS fell by at least half the cap', `${q.maxRss('2m')} - ${q.rss()}`, 'bytes', { min: memoryCapBytes / 2 }),
  ],
  guards: [{ ...memoryGuard, tolerance: { kind: 'range', max: memoryCapBytes + 1024 * MB } }],
});
