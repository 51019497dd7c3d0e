import { z } from 'zod';

/** The control room's settings: the only reader of process.env in control-room/, every problem reported at once. */
export const controlRoomConfigSchema = z.object({
  CONTROL_ROOM_HOST: z.string().min(1).default('127.0.0.1').describe('Address to bind; 0.0.0.0 inside a container.'),
  CONTROL_ROOM_PORT: z.coerce.number().int().min(1).max(65535).default(8088).describe('HTTP port of the page.'),
  API_URL: z.url().default('http://127.0.0.1:5000').describe('The API whose fault API the page drives.'),
  RISK_URL: z.url().default('http://127.0.0.1:5001').describe('The risk service whose fault API the page drives too.'),
  GAMEDAY_URL: z
    .url()
    .default('http://127.0.0.1:5080')
    .refine((u) => ['127.0.0.1', 'localhost'].includes(new URL(u).hostname), {
      error: 'must be on 127.0.0.1: a game started from the page listens there, in this process',
    })
    .describe(
      "The game day's endpoints, on this machine or container: a `make gameday` game or one started from the page (which listens on this port of 127.0.0.1). The game panel reads and answers there.",
    ),
  CHAOS_TOKEN: z
    .string()
    .min(1)
    .optional()
    .describe(
      "The facilitator token (the API's CHAOS_TOKEN): starting a game from the page needs it; the game sends it to the fault APIs.",
    ),
  REPORTS_DIR: z
    .string()
    .min(1)
    .optional()
    .describe('Where a game started from the page writes its debrief (default: reports/).'),
  PROMETHEUS_URL: z.url().default('http://127.0.0.1:9090').describe('Prometheus the charts and alerts read.'),
  ALERTMANAGER_URL: z.url().default('http://127.0.0.1:9093').describe('Alertmanager the alert list reads.'),
  JOURNAL_FILE: z
    .string()
    .min(1)
    .optional()
    .describe('The live journal a running scenario writes (REPORTS_DIR/live.json); unset: no scenario panel data.'),
});

export type ControlRoomConfig = Readonly<z.output<typeof controlRoomConfigSchema>>;

export function loadControlRoomConfig(env: NodeJS.ProcessEnv): ControlRoomConfig {
  const keys = Object.keys(controlRoomConfigSchema.shape);
  const result = controlRoomConfigSchema.safeParse(
    Object.fromEntries(keys.flatMap((k) => (env[k] === undefined || env[k] === '' ? [] : [[k, env[k]]]))),
  );
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  - ${i.path.join('.')}: ${i.message}`);
    throw new Error(`Invalid control room settings:\n${lines.join('\n')}`);
  }
  return Object.freeze(result.data);
}
