import path from 'node:path';
import { projectRoot } from '../app/paths';
import { GameError } from '../gameday/game';
import { parseGameOptions } from '../gameday/options';
import {
  GAME_LOCK_FILE,
  gameDayOptions,
  startGameDay,
  type GameDayPlace,
  type RunningGameDay,
} from '../gameday/session';
import type { ControlRoomConfig } from './config';

/** Where the control room's game runs: the services of its settings, its endpoints on GAMEDAY_URL's port. */
export function gamePlace(config: ControlRoomConfig): GameDayPlace {
  return {
    apiUrl: config.API_URL,
    riskUrl: config.RISK_URL,
    prometheusUrl: config.PROMETHEUS_URL,
    token: config.CHAOS_TOKEN,
    port: Number(new URL(config.GAMEDAY_URL).port || 80),
    reportsDir: config.REPORTS_DIR ?? path.join(projectRoot(), 'reports'),
    lockFile: GAME_LOCK_FILE,
  };
}

/**
 * The game the control room runs itself (POST /game/start): its endpoints listen on GAMEDAY_URL's port on
 * 127.0.0.1, where the page's game panel already forwards. One game at a time, shared with `make gameday`
 * through the game lock.
 */
export class GameHost {
  private day?: RunningGameDay;

  constructor(
    private readonly place: GameDayPlace,
    private readonly log: (line: string) => void = (line) => console.log(`${new Date().toISOString()} ${line}`),
  ) {}

  /** The facilitator token a start needs (the API's, which the game sends with each injection). */
  get token(): string | undefined {
    return this.place.token;
  }

  /** Validates the choices (400 listing every problem, nothing started), takes the lock (409), starts the game. */
  async start(body: unknown): Promise<ReturnType<RunningGameDay['game']['status']>> {
    const parsed = parseGameOptions(body);
    if (!parsed.ok)
      throw new GameError(400, 'VALIDATION_FAILED', 'The game options are invalid.', { problems: parsed.problems });
    const day = await startGameDay(gameDayOptions(parsed.options, { ...this.place, onEvent: this.log })).catch(
      (err: unknown) => {
        if (err instanceof GameError) throw err;
        throw new GameError(502, 'GAME_NOT_STARTED', `The game could not start: ${(err as Error).message}`);
      },
    );
    this.day = day;
    void day.done
      .then(
        ({ report }) => this.log(`debrief: ${report.markdown}`),
        (err: Error) => this.log(`the game ended with an error: ${err.message}`),
      )
      .finally(() => {
        if (this.day === day) this.day = undefined;
      });
    return day.game.status();
  }

  /** Stops the running game, if any, and waits until its faults are reset and its report written. */
  async stop(): Promise<void> {
    const day = this.day;
    if (!day) return;
    day.stop();
    await day.done.catch(() => undefined);
  }
}
