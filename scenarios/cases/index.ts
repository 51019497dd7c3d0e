import type { ScenarioFactory } from '../lib/scenario';
import { latency } from './01-latency';
import { errorRate } from './02-error-rate';
import { slowDatabase } from './03-slow-database';
import { memoryLeak } from './04-memory-leak';
import { chaosMix } from './05-chaos-mix';

/** The five workshop cases, by number. */
export const CASES: Record<number, ScenarioFactory> = {
  1: latency,
  2: errorRate,
  3: slowDatabase,
  4: memoryLeak,
  5: chaosMix,
};
