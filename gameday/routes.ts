import express, { type ErrorRequestHandler, type Express, type RequestHandler } from 'express';
import { requireBearer } from '../app/faults/engine/auth';
import { AppError } from '../app/errors';
import { GameError, type Game } from './game';

/** The game's HTTP endpoints, for the `make gameday-*` commands and the control room page (docs/gameday.md). */
export const GAME_ENDPOINTS = {
  status: 'GET /game',
  diagnose: 'POST /game/diagnoses',
  leaderboard: 'GET /game/leaderboard',
  reveal: 'POST /game/reveal',
  stop: 'POST /game/stop',
} as const;

/** Renders a refused command (GameError, AppError, an unreadable body) as the game's JSON error; never a stack. */
export const gameErrors: ErrorRequestHandler = (err, _req, res, _next) => {
  if (err instanceof GameError || err instanceof AppError) {
    const { status, code, message, details } = err as GameError;
    return void res.status(status).json({ error: { code, message, ...(details && { details }) } });
  }
  const status = (err as { status?: number }).status;
  if (typeof status === 'number' && status >= 400 && status < 500)
    return void res.status(status).json({ error: { code: 'BAD_REQUEST', message: 'The request could not be read.' } });
  res.status(500).json({ error: { code: 'INTERNAL', message: 'Internal error.' } });
};

/** The game's own small app: teams read the status and leaderboard and diagnose; the facilitator reveals and stops. */
export function gameApp(game: Game, options: { token?: string; onStop: () => void }): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ limit: '4kb' }));
  const facilitator: RequestHandler = requireBearer(options.token);
  app.get('/game', (_req, res) => void res.json(game.status()));
  app.get('/game/leaderboard', (_req, res) => void res.json({ leaderboard: game.leaderboard() }));
  app.post('/game/diagnoses', (req, res) => void res.status(201).json(game.submit(req.body)));
  app.post('/game/reveal', facilitator, (_req, res) => {
    if (!game.reveal()) throw new GameError(409, 'ROUND_CLOSED', 'No round is open.');
    res.json({ status: 'revealing' });
  });
  app.post('/game/stop', facilitator, (_req, res) => {
    options.onStop();
    res.json({ status: 'stopping' });
  });
  app.use((_req, res) => void res.status(404).json({ error: { code: 'NOT_FOUND', message: 'No such endpoint.' } }));
  app.use(gameErrors);
  return app;
}
