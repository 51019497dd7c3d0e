import { z } from 'zod';
import { INCIDENTS } from './incidents';

const INCIDENT_IDS = INCIDENTS.map((i) => i.id);

/** A list given as "a,b" (command line, make) or as a JSON array (the control room): trimmed, empties dropped. */
const list = (item: z.ZodString) =>
  z
    .union([z.string(), z.array(z.string())])
    .transform((v) => (typeof v === 'string' ? v.split(',') : v).map((s) => s.trim()).filter(Boolean))
    .pipe(z.array(item));

/** A whole number given as a number (JSON) or as its digits (command line). */
const whole = (min: number, max: number) =>
  z.preprocess(
    (v) => (typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v),
    z
      .number({ error: (issue) => (issue.code === 'invalid_type' ? 'must be a whole number' : undefined) })
      .int('must be a whole number')
      .min(min)
      .max(max),
  );

/**
 * The facilitator's choices for a game, one schema for `make gameday` and the control room's POST /game/start:
 * every problem is reported at once. Names are those of the HTTP body; the command line's --round-seconds and
 * --load-rate map onto round_seconds and load_rate.
 */
export const gameOptionsSchema = z.strictObject({
  rounds: whole(1, 50).default(3).describe('Rounds, one incident each.'),
  round_seconds: whole(10, 3600).default(300).describe('Length of a round in seconds.'),
  teams: list(z.string().min(1).max(40))
    .refine((t) => t.length > 0, 'name at least one team')
    .refine((t) => new Set(t).size === t.length, 'must not name a team twice')
    .default(['red', 'blue'])
    .describe('The teams, "red,blue" or ["red", "blue"].'),
  // "" (make gameday without SEED) means "draw one".
  seed: z
    .preprocess((v) => (v === '' ? undefined : v), whole(0, 2 ** 31 - 1).optional())
    .describe('The seed of the draw; left out, one is drawn and printed for a replay.'),
  cooldown: whole(0, 600).default(20).describe('Seconds of calm after each reset.'),
  load_rate: whole(0, 500).default(20).describe('Background requests per second (0: none).'),
  incidents: list(z.string())
    .refine((ids) => ids.every((id) => INCIDENT_IDS.includes(id)), {
      error: (issue) => {
        const given = list(z.string()).safeParse(issue.input).data ?? [];
        return `unknown incidents ${given.filter((id) => !INCIDENT_IDS.includes(id)).join(', ')}; the catalogue has ${INCIDENT_IDS.join(', ')}`;
      },
    })
    .optional()
    .describe('Draw only among these incident ids (docs/gameday.md); left out or empty, the whole catalogue.'),
});
export type GameChoices = z.output<typeof gameOptionsSchema>;

/** A refusal's problems, one per field, as the 400 body and the command line list them. */
export type Problem = { path: string; message: string };

/** Parses the facilitator's choices: the options, or every problem found. */
export function parseGameOptions(
  input: unknown,
): { ok: true; options: GameChoices } | { ok: false; problems: Problem[] } {
  const parsed = gameOptionsSchema.safeParse(input ?? {});
  if (parsed.success) return { ok: true, options: parsed.data };
  return {
    ok: false,
    problems: parsed.error.issues.map((i) => ({ path: i.path.join('.') || '(body)', message: i.message })),
  };
}
