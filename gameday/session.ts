import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FaultClient } from '../kit/faults';
import { startLoad } from '../kit/load';
import { randomTransfer } from '../scenarios/cases/common';
import { PrometheusClient } from '../kit/prometheus';
import { INCIDENTS, unplayable } from './incidents';
import { Game, type GameOptions, type GameRecord, type RoundRecord } from './game';
import { takeGameLock } from './lock';
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
    for (const incident of INCIDENTS) {
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
