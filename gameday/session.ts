import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { projectRoot } from '../app/paths';
import { FaultClient } from '../kit/faults';
import { startLoad } from '../kit/load';
import { randomTransfer } from '../scenarios/cases/common';
import { PrometheusClient } from '../kit/prometheus';
import { INCIDENTS, unplayable } from './incidents';
import { Game, GameError, type GameOptions, type GameRecord, type RoundRecord } from './game';
import { takeGameLock } from './lock';
import type { GameChoices } from './options';
import { planProblems } from './plan';
import { writeReport } from './report';
import { gameApp } from './routes';

export interface GameDayOptions extends GameOptions {
  apiUrl: string;
  /** The risk service's fault API; its incidents are drawn only when it answers there. */
  riskUrl?: string;
  prometheusUrl: string;
  /** The facilitator token: the API's CHAOS_TOKEN, also required by reveal and stop. */
  token?: string;
  /** Port of the game's endpoints (0: any free port), bound to 127.0.0.1. */
  port: number;
  reportsDir: string;
  lockFile: string;
  /** Background requests per second, so the signals have traffic to show (0: none). */
  loadRate: number;
  onEvent?: (line: string, round?: RoundRecord) => void;
}

export interface RunningGameDay {
  game: Game;
  url: string;
  stop(): void;
  /** The record and the report's paths, once the last round is reset and the report written. */
  done: Promise<{ record: GameRecord; report: { markdown: string; json: string } }>;
}

/** One game at a time on this machine (or container), whoever starts it: `make gameday` or the control room. */
export const GAME_LOCK_FILE = path.join(projectRoot(), '.run', 'gameday.pid');

/** Where a game runs: the services it breaks and watches, and where its endpoints, report and lock go. */
export type GameDayPlace = Omit<GameDayOptions, keyof GameOptions | 'loadRate'>;

/** The options of a game from the facilitator's validated choices; a seed left out is drawn here. */
export function gameDayOptions(choices: GameChoices, place: GameDayPlace): GameDayOptions {
  return {
    ...place,
    seed: choices.seed ?? Math.floor(Math.random() * 1e9),
    rounds: choices.rounds,
    roundSeconds: choices.round_seconds,
    cooldownSeconds: choices.cooldown,
    loadRate: choices.load_rate,
    teams: choices.teams,
    ...(choices.incidents && choices.incidents.length > 0 && { incidents: choices.incidents }),
  };
}

/** The API's fault client, and the risk service's when one answers at riskUrl. */
async function serviceFaults(o: GameDayOptions): Promise<{ api: FaultClient; risk?: FaultClient }> {
  const api = new FaultClient(o.apiUrl, { token: o.token });
  if (!o.riskUrl) return { api };
  const risk = new FaultClient(o.riskUrl, { token: o.token });
  const answers = await risk.view().then(
    () => true,
    () => false,
  );
  return answers ? { api, risk } : { api };
}

/** The live API replicas as the fault store knows them (one id for a single process). */
async function replicaIds(api: FaultClient): Promise<string[]> {
  const view = await api.view();
  return view.store?.replicas.map((r) => r.instance_id) ?? [view.instance_id].filter((id) => id !== undefined);
}

/** Starts a game day: the lock, the game's endpoints, background load, then the rounds; writes the debrief at the end. */
export async function startGameDay(o: GameDayOptions): Promise<RunningGameDay> {
  const release = takeGameLock(o.lockFile);
  let server: Server | undefined;
  try {
    const faults = await serviceFaults(o);
    const stack = { replicas: await replicaIds(faults.api), risk: faults.risk !== undefined };
    const problems = planProblems(o, stack);
    if (problems.length > 0)
      throw new GameError(400, 'VALIDATION_FAILED', 'This stack cannot play the game asked for.', { problems });
    for (const incident of INCIDENTS.filter((i) => !o.incidents || o.incidents.includes(i.id))) {
      const why = unplayable(incident, stack);
      if (why) o.onEvent?.(`${incident.id} is left out of the draw: it ${why}`);
    }
    const game = new Game(o, {
      faults,
      stack,
      prometheus: new PrometheusClient(o.prometheusUrl),
      onEvent: o.onEvent,
    });
    const app = gameApp(game, { token: o.token, onStop: () => game.stop() });
    server = await new Promise<Server>((resolve, reject) => {
      const s = app.listen(o.port, '127.0.0.1', () => resolve(s)).once('error', reject);
    });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const seconds = o.rounds * (o.roundSeconds + o.cooldownSeconds) + 10;
    const load =
      o.loadRate > 0
        ? startLoad({
            url: o.apiUrl,
            connections: 4,
            overallRate: o.loadRate,
            seconds,
            requests: [
              { method: 'GET', path: '/api/balance' },
              { method: 'GET', path: '/api/accounts' },
              { method: 'GET', path: '/api/accounts/ACC-002' },
              { method: 'POST', path: '/api/transfers', body: randomTransfer },
            ],
          })
        : undefined;
    const listening = server;
    const done = game.run().finally(async () => {
      await load?.stop().catch(() => undefined);
      listening.closeAllConnections();
      await new Promise<void>((resolve) => listening.close(() => resolve()));
      release();
    });
    return {
      game,
      url,
      stop: () => game.stop(),
      done: done.then((record) => ({ record, report: writeReport(record, o.reportsDir) })),
    };
  } catch (err) {
    server?.close();
    release();
    throw err;
  }
}
