import { z } from 'zod';
import type { FaultDefinition, FaultHooks, SettingsShape } from './fault';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any fault's context: the catalogue checks them together
type AnyFault = FaultDefinition<string, SettingsShape, any>;
type Merge<U> = (U extends unknown ? (k: U) => void : never) extends (k: infer I) => void ? I : never;
type ShapeOf<D extends readonly AnyFault[]> = Extract<Merge<D[number]['settings']>, SettingsShape>;
/** What the faults' create() need together: the intersection of their contexts. */
type ContextOf<D extends readonly AnyFault[]> = (
  D[number] extends infer F ? (F extends AnyFault ? (k: Parameters<F['create']>[0]) => void : never) : never
) extends (k: infer I) => void
  ? I
  : never;
type Optional<Shape extends SettingsShape> = { [K in keyof Shape]: z.ZodOptional<z.ZodType<z.output<Shape[K]>>> };

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
  instances: z
    .array(z.string().regex(/^[A-Za-z0-9._-]{1,63}$/, 'must be a replica id such as api-2'))
    .min(1)
    .max(16)
    .refine((ids) => new Set(ids).size === ids.length, 'must not name a replica twice')
    .optional()
    .describe(
      'Only these replicas (INSTANCE_ID) apply the faults this request sets (default: every replica); an unknown id is a 400.',
    ),
  duration_s: z
    .number()
    .int()
    .min(1)
    .max(86_400)
    .optional()
    .describe('The faults set by this request switch themselves off after this many seconds.'),
  hidden: z
    .boolean()
    .optional()
    .describe(
      'Game-day masking: while true, no metric, log line, span event, error body or unauthenticated GET /api/failures names the faults; it lasts while a hidden fault is on or, with duration_s, that long (a request without faults masks the service alone: a game day masks every service during a round); reset clears it.',
    ),
};

/**
 * Composes faults into one flat settings object ({"latency_ms": 2000, "error_rate": 30, ...}). The list's
 * order is the order in which their hooks run; two faults may not share a name or a key.
 */
export function createCatalogue<const D extends readonly AnyFault[]>(definitions: D) {
  type Name = D[number]['name'];
  type Shape = ShapeOf<D>;
  const shape: SettingsShape = {};
  const owner = new Map<string, string>();
  for (const d of definitions) {
    if ([...owner.values()].includes(d.name)) throw new Error(`fault ${d.name} is listed twice`);
    for (const key of Object.keys(d.settings)) {
      if (owner.has(key)) throw new Error(`setting ${key} belongs to both ${owner.get(key)} and ${d.name}`);
      owner.set(key, d.name);
      shape[key] = d.settings[key] as z.ZodDefault<z.ZodType>;
    }
  }
  const settingsSchema = z.strictObject(shape as Shape);
  type Settings = z.output<typeof settingsSchema>;
  const keys = Object.keys(shape) as (keyof Settings & string)[];
  // The description (with its unit) sits on the default wrapper: kept for the OpenAPI document and the control room.
  const optional = Object.fromEntries(
    keys.map((k) => {
      const setting = shape[k] as z.ZodDefault<z.ZodType>;
      return [
        k,
        setting
          .unwrap()
          .optional()
          .describe(setting.description ?? k),
      ];
    }),
  );
  const updateSchema = z
    .strictObject({ ...(optional as Optional<Shape>), ...scopeSettings })
    .meta({ id: 'FaultUpdate' });
  return {
    names: definitions.map((d) => d.name) as Name[],
    keys,
    settingsSchema,
    /** The body of POST /api/failures: any subset of the settings plus the generic scope. */
    updateSchema,
    defaults: Object.freeze<Settings>(settingsSchema.parse({})),
    /** The settings keys each fault owns. */
    keysOf: (name: Name) => Object.keys(definitions.find((d) => d.name === name)?.settings ?? {}) as (keyof Settings)[],
    /** Builds one instance of every fault. */
    create: (context: ContextOf<D>) =>
      Object.fromEntries(definitions.map((d) => [d.name, d.create(context)])) as unknown as Record<
        Name,
        FaultHooks<Settings>
      >,
  };
}

/** What the registry and the router need of a catalogue. */
export interface Catalogue<Name extends string, Settings extends object, Context> {
  readonly names: readonly Name[];
  readonly keys: readonly (keyof Settings & string)[];
  readonly updateSchema: z.ZodType<Partial<Settings> & ScopeUpdate>;
  readonly defaults: Readonly<Settings>;
  keysOf(name: Name): (keyof Settings)[];
  create(context: Context): Record<Name, FaultHooks<Settings>>;
}

export type ScopeUpdate = { routes?: string[]; instances?: string[]; duration_s?: number; hidden?: boolean };
