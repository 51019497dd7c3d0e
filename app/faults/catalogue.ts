import type { z } from 'zod';
import { createCatalogue, type FaultRegistry } from './engine';
import type { FaultContext } from './context';
import { latency } from './latency';
import { cpuBurn } from './cpu-burn';
import { memoryLeak } from './memory-leak';
import { errorRate } from './error-rate';
import { dbSlow } from './db-slow';
import { dbFail } from './db-fail';

/** Every fault the API knows, in the order their hooks run: the one list that composes them. */
export const catalogue = createCatalogue([latency, cpuBurn, memoryLeak, errorRate, dbSlow, dbFail]);

export { scopeSettings } from './engine';
export const {
  settingsSchema,
  updateSchema,
  names: FAULT_NAMES,
  keys: SETTING_KEYS,
  defaults: DEFAULT_SETTINGS,
} = catalogue;
export type FaultName = (typeof FAULT_NAMES)[number];
export type FaultSettings = z.output<typeof settingsSchema>;
export type SettingKey = keyof FaultSettings;
export type FaultUpdate = z.output<typeof updateSchema>;

/** The API's fault registry: the engine's registry over this catalogue. */
export type ApiFaultRegistry = FaultRegistry<FaultName, FaultSettings, FaultContext>;
