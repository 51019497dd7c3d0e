import { INCIDENTS, unplayable, type Incident, type StackShape } from './incidents';
import { seededRandom } from './random';

/** One round of a game as drawn from the seed: its incident, its true scope, and when, after the round opens, it starts. */
export interface PlannedRound {
  round: number;
  incident: Incident;
  /** The ground truth's scope: the incident's, or for a "one-replica" incident the replica drawn. */
  scope: string;
  /** The replica a "one-replica" incident acts on. */
  instance?: string;
  offset_s: number;
}

/** The incidents a game draws from: the facilitator's choice (catalogue order), or the whole catalogue. */
const pool = (chosen: readonly string[] | undefined): Incident[] =>
  chosen && chosen.length > 0 ? INCIDENTS.filter((i) => chosen.includes(i.id)) : [...INCIDENTS];

/**
 * Why this stack cannot play a game of these choices: each chosen incident it cannot play, and more rounds
 * than playable incidents. Empty when it can.
 */
export function planProblems(
  o: { rounds: number; incidents?: readonly string[] },
  stack: StackShape,
): { path: string; message: string }[] {
  const problems = (o.incidents ?? []).flatMap((id) => {
    const incident = INCIDENTS.find((i) => i.id === id);
    const why = incident && unplayable(incident, stack);
    return why ? [{ path: 'incidents', message: `${id} cannot be played here: it ${why}` }] : [];
  });
  const playable = pool(o.incidents).filter((i) => unplayable(i, stack) === undefined).length;
  if (o.rounds > playable)
    problems.push({
      path: 'rounds',
      message: `at most ${playable} rounds on this stack with these incidents (one each)`,
    });
  return problems;
}

/**
 * Draws the rounds of a game from its seed: the pool (the chosen incidents, or the whole catalogue) shuffled,
 * the incidents this stack cannot play left out (order kept), then per round a start between 2 s and a third
 * of the round after it opens and a draw among the sorted replica ids. Same seed, pool, shape and stack
 * (replica ids), same game; on one process the order is that of a replicated stack without its one-replica
 * incidents.
 */
export function planGame(
  seed: number,
  rounds: number,
  roundSeconds: number,
  stack: StackShape,
  incidents?: readonly string[],
): PlannedRound[] {
  const [problem] = planProblems({ rounds, incidents }, stack);
  if (problem) throw new Error(problem.message);
  const random = seededRandom(seed);
  const order = pool(incidents);
  for (let i = order.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j] as Incident, order[i] as Incident];
  }
  const replicas = [...stack.replicas].sort();
  const latest = Math.max(2, Math.floor(roundSeconds / 3));
  return order
    .filter((i) => unplayable(i, stack) === undefined)
    .slice(0, rounds)
    .map((incident, i) => {
      const offset_s = 2 + Math.floor(random() * (latest - 1));
      const pick = random();
      const instance = incident.scope === 'one-replica' ? replicas[Math.floor(pick * replicas.length)] : undefined;
      return { round: i + 1, incident, scope: instance ?? incident.scope, ...(instance && { instance }), offset_s };
    });
}
