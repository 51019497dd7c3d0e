import fs from 'node:fs';
import path from 'node:path';
import express, { type ErrorRequestHandler, type Express, type Request, type Response } from 'express';
import helmet from 'helmet';
import { projectRoot } from '../app/paths';
import { AppError } from '../app/errors';
import { refuseForeignOrigins, requireBearer } from '../app/faults/engine/auth';
import { CONTROL_PLANE_PATHS } from '../app/faults/engine';
import type { Catalogue } from './catalogue';
import type { ControlRoomConfig } from './config';
import { GAME_ENDPOINTS, gameErrors } from '../gameday/routes';
import type { GameHost } from './game-host';
import { forwardTo } from './proxy';
import { FAULT_SERVICES, servicePrefix } from './services';

export const PUBLIC_DIR = path.join(projectRoot(), 'control-room', 'public');
/** uPlot's own distribution files, served as they are: no front-end build. */
const UPLOT_DIR = path.dirname(require.resolve('uplot'));

/** Paths the page may reach on each component; anything else is not proxied. */
export const PROXIED = {
  /** Of every service in FAULT_SERVICES, under its prefix. */
  service: [...CONTROL_PLANE_PATHS, '/openapi.json'],
  prometheus: ['/api/v1/query_range', '/api/v1/alerts'],
  alertmanager: ['/api/v2/alerts'],
  /** The game day's endpoints (gameday/routes.ts), at the same paths; the control room itself serves GAME_START. */
  game: Object.values(GAME_ENDPOINTS).map((e) => {
    const [method, route] = e.split(' ') as ['GET' | 'POST', string];
    return { method, route };
  }),
} as const;

/** Where the page starts a game the control room runs itself (control-room/game-host.ts). */
export const GAME_START = 'POST /game/start';

/**
 * The control room: the page, its catalogue, read-through proxies to each service's fault API, Prometheus,
 * Alertmanager and the game day, and (given a host) the start of a game it runs itself.
 */
export function createControlRoom(config: ControlRoomConfig, catalogue: Catalogue, games?: GameHost): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(helmet({ contentSecurityPolicy: { directives: { 'upgrade-insecure-requests': null } } }));

  app.get('/healthz', (_req, res) => void res.json({ status: 'ok' }));
  app.get('/catalogue.json', (_req, res) => void res.json(catalogue));
  app.get('/scenario.json', (_req, res) => {
    const journal = readJournal(config.JOURNAL_FILE);
    if (journal === undefined) res.status(204).end();
    else res.type('json').send(journal);
  });

  // The proxy drops the browser's Origin, so it enforces the services' own rule first: no control from foreign pages.
  for (const service of FAULT_SERVICES) {
    const prefix = servicePrefix(service.id);
    app.all(
      PROXIED.service.map((p) => prefix + p),
      refuseForeignOrigins([]),
      express.raw({ type: () => true, limit: '64kb' }),
      forwardTo(service.title, service.url(config), prefix),
    );
  }
  for (const p of PROXIED.prometheus)
    app.get(`/prometheus${p}`, forwardTo('Prometheus', config.PROMETHEUS_URL, '/prometheus'));
  for (const p of PROXIED.alertmanager)
    app.get(`/alertmanager${p}`, forwardTo('Alertmanager', config.ALERTMANAGER_URL, '/alertmanager'));

  if (games)
    app.post(
      GAME_START.split(' ')[1] as string,
      refuseForeignOrigins([]),
      requireBearer(games.token),
      express.json({ limit: '4kb' }),
      async (req: Request, res: Response) => void res.status(201).json(await games.start(req.body)),
      gameErrors,
    );
  for (const { method, route } of PROXIED.game)
    app[method === 'GET' ? 'get' : 'post'](
      route,
      refuseForeignOrigins([]),
      express.raw({ type: () => true, limit: '8kb' }),
      forwardTo('The game day', config.GAMEDAY_URL),
    );

  app.use('/vendor/uplot', express.static(UPLOT_DIR, { index: false }));
  app.use(express.static(PUBLIC_DIR));
  app.use((_req, res) => void res.status(404).json({ error: { code: 'NOT_FOUND', message: 'No such page.' } }));
  app.use(renderError);
  return app;
}

const renderError: ErrorRequestHandler = (err, _req, res, _next) => {
  const error = err instanceof AppError ? err : new AppError('INTERNAL');
  res.status(error.status).json({ error: { code: error.code, message: error.message, details: error.details } });
};

function readJournal(file: string | undefined): string | undefined {
  if (file === undefined) return undefined;
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}
