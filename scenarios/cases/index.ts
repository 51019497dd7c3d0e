import type { ScenarioFactory } from '../lib/scenario';
import { latency } from './01-latency';
import { errorRate } from './02-error-rate';
import { slowDatabase } from './03-slow-database';
import { memoryLeak } from './04-memory-leak';
import { chaosMix } from './05-chaos-mix';
import { slowDependency } from './07-slow-dependency';
import { retryStorm } from './08-retry-storm';

/** The workshop cases, by number (6 is not a scenario; 7 and 8 break the risk service). */
export const CASES: Record<number, ScenarioFactory> = {
  1: latency,
  2: errorRate,
  3: slowDatabase,
  4: memoryLeak,
  5: chaosMix,
  7: slowDependency,
  8: retryStorm,
};
