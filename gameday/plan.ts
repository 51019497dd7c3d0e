import { INCIDENTS, type Incident } from './incidents';
import { seededRandom } from './random';

/** One round of a game as drawn from the seed: its incident and when, after the round opens, it starts. */
export interface PlannedRound {
  round: number;
  incident: Incident;
  offset_s: number;
}

/**
 * Draws the rounds of a game from its seed: distinct incidents in a shuffled order, each starting
 * between 2 s and a third of the round after the round opens. Same seed and shape, same game.
 */
export function planGame(seed: number, rounds: number, roundSeconds: number): PlannedRound[] {
  if (rounds > INCIDENTS.length) throw new Error(`at most ${INCIDENTS.length} rounds (one incident each)`);
  const random = seededRandom(seed);
  const order = [...INCIDENTS];
  for (let i = order.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j] as Incident, order[i] as Incident];
  }
  const latest = Math.max(2, Math.floor(roundSeconds / 3));
  return order.slice(0, rounds).map((incident, i) => ({
    round: i + 1,
    incident,
    offset_s: 2 + Math.floor(random() * (latest - 1)),
  }));
}
