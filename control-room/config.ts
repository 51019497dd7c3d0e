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
    .describe("The running game day's endpoints (make gameday): the page's game panel reads and answers there."),
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
