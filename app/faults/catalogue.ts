import { z } from 'zod';
import type { Fault } from './fault';
import { latencyFault, latencySettings } from './latency';
import { errorRateFault, errorRateSettings } from './error-rate';
import { dbSlowFault, dbSlowSettings } from './db-slow';
import { dbFailFault, dbFailSettings } from './db-fail';
import { memoryLeakFault, memoryLeakSettings } from './memory-leak';
import { cpuBurnFault, cpuBurnSettings } from './cpu-burn';

/** Every fault the kit knows, in the order their request hooks run. */
export const FAULT_NAMES = ['latency', 'cpu_burn', 'memory_leak', 'error_rate', 'db_slow', 'db_fail'] as const;
export type FaultName = (typeof FAULT_NAMES)[number];

/** The flat settings object of the workshop API ({"latency_ms": 2000, "error_rate": 30, ...}). */
export const settingsSchema = z.strictObject({
  ...latencySettings,
  ...errorRateSettings,
  ...dbSlowSettings,
  ...dbFailSettings,
  ...memoryLeakSettings,
  ...cpuBurnSettings,
});
export type FaultSettings = z.output<typeof settingsSchema>;
export type SettingKey = keyof FaultSettings;
export const SETTING_KEYS = Object.keys(settingsSchema.shape) as SettingKey[];
export const DEFAULT_SETTINGS: Readonly<FaultSettings> = Object.freeze(settingsSchema.parse({}));

/** Generic settings applied by the registry to the faults a request sets (toxiproxy's ToxicWrapper). */
export const scopeSettings = {
  routes: z
    .array(z.string().regex(/^\/[A-Za-z0-9/_:.-]{0,100}$/, 'must be a path prefix such as /api/transfers'))
    .min(1)
    .max(20)
    .optional()
    .describe(
      'Only requests whose path starts with one of these prefixes are affected (default: every business route and /health).',
    ),
  duration_s: z
    .number()
    .int()
    .min(1)
    .max(86_400)
    .optional()
    .describe('The faults set by this request switch themselves off after this many seconds.'),
};

/** The body of POST /api/failures: any subset of the settings plus the generic scope. */
const optionalSettings = Object.fromEntries(
  SETTING_KEYS.map((k) => {
    // the description (with its unit) sits on the default wrapper: the OpenAPI document and the control room show it
    const setting = settingsSchema.shape[k];
    const optional = setting.unwrap().optional();
    return [k, optional.describe(setting.description ?? k)];
  }),
) as unknown as { [K in SettingKey]: z.ZodOptional<z.ZodType<FaultSettings[K]>> };

export const updateSchema = z.strictObject({ ...optionalSettings, ...scopeSettings }).meta({ id: 'FaultUpdate' });
export type FaultUpdate = z.output<typeof updateSchema>;

export interface FaultOptions {
  memoryCapBytes: number;
  dbSlowDefaultMs: number;
  onLeakChange: (bytes: number) => void;
}

/** Builds one instance of every fault: the explicit list that composes them. */
export function createFaults(options: FaultOptions): Record<FaultName, Fault> {
  return {
    latency: latencyFault(),
    cpu_burn: cpuBurnFault(),
    memory_leak: memoryLeakFault(options.memoryCapBytes, options.onLeakChange),
    error_rate: errorRateFault(),
    db_slow: dbSlowFault(options.dbSlowDefaultMs),
    db_fail: dbFailFault(),
  };
}
