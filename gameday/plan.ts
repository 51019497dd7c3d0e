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

/**
 * Draws the rounds of a game from its seed: the whole catalogue shuffled, the incidents this stack cannot
 * play left out (order kept), then per round a start between 2 s and a third of the round after it opens and
 * a draw among the sorted replica ids. Same seed, catalogue, shape and stack (replica ids), same game; on one
 * process the order is that of a replicated stack without its one-replica incidents.
 */
export function planGame(seed: number, rounds: number, roundSeconds: number, stack: StackShape): PlannedRound[] {
  const playable = INCIDENTS.filter((i) => unplayable(i, stack) === undefined);
  if (rounds > playable.length) throw new Error(`at most ${playable.length} rounds on this stack (one incident each)`);
  const random = seededRandom(seed);
  const order = [...INCIDENTS];
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
