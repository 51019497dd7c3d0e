import { Router, type RequestHandler } from 'express';
import { accountParams, accountSchema, openAccountBody, pageQuery } from './accounts/schemas';
import { faultOperations } from './faults/engine';
import { updateSchema } from './faults/catalogue';
import type { Operation } from './openapi';
import { POLICY_OPERATIONS } from './risk/openapi';
import {
  legacyTransferBody,
  transactionParams,
  transactionsQuery,
  transferBody,
  transferHeaders,
} from './transfers/schemas';

/**
 * Where a route sits: `business` routes pass the fault gate; `operations` routes (probes, scrapes,
 * the docs) and the `control` plane (the fault API, mounted by the fault engine) never do.
 */
export type Plane = 'business' | 'operations' | 'control';

export interface Route extends Operation {
  plane: Plane;
  /** Left out of the OpenAPI document (the service index and the docs themselves). */
  undocumented?: true;
  /** Serves every path under it (mounted with use). */
  prefix?: true;
}

/** The API's own routes, by the name their handler is registered under. */
export const ROUTES = {
  index: { method: 'get', path: '/', plane: 'operations', summary: 'This list', tag: 'health', undocumented: true },
  health: {
    method: 'get',
    path: '/health',
    plane: 'business',
    summary: 'Database health (workshop shape)',
    tag: 'health',
  },
  healthz: {
    method: 'get',
    path: '/healthz',
    plane: 'operations',
    summary: 'Detailed health: database, event loop, memory, disk, uptime',
    tag: 'health',
  },
  livez: { method: 'get', path: '/livez', plane: 'operations', summary: 'Liveness (no database)', tag: 'health' },
  metrics: {
    method: 'get',
    path: '/metrics',
    plane: 'operations',
    summary: 'Prometheus metrics (OpenMetrics on request, with exemplars when traces are exported)',
    tag: 'health',
  },
  docs: {
    method: 'get',
    path: '/docs',
    plane: 'operations',
    summary: 'Swagger UI',
    tag: 'health',
    undocumented: true,
    prefix: true,
  },
  openapi: {
    method: 'get',
    path: '/openapi.json',
    plane: 'operations',
    summary: 'This document',
    tag: 'health',
    undocumented: true,
  },
  balance: {
    method: 'get',
    path: '/api/balance',
    plane: 'business',
    summary: 'Balance of the default account ACC-001',
    tag: 'accounts',
    response: accountSchema,
  },
  legacyTransfer: {
    method: 'post',
    path: '/api/transfer',
    plane: 'business',
    summary: 'Workshop transfer from ACC-001 (legacy shape)',
    tag: 'transfers',
    body: legacyTransferBody,
    headers: transferHeaders,
  },
  listAccounts: {
    method: 'get',
    path: '/api/accounts',
    plane: 'business',
    summary: 'List accounts',
    tag: 'accounts',
    query: pageQuery,
  },
  openAccount: {
    method: 'post',
    path: '/api/accounts',
    plane: 'business',
    summary: 'Open an account',
    tag: 'accounts',
    body: openAccountBody,
    response: accountSchema,
    status: 201,
  },
  getAccount: {
    method: 'get',
    path: '/api/accounts/:number',
    plane: 'business',
    summary: 'Get one account',
    tag: 'accounts',
    params: accountParams,
    response: accountSchema,
  },
  transfer: {
    method: 'post',
    path: '/api/transfers',
    plane: 'business',
    summary: 'Transfer money between two accounts (idempotent with Idempotency-Key)',
    tag: 'transfers',
    body: transferBody,
    headers: transferHeaders,
    status: 201,
  },
  listTransactions: {
    method: 'get',
    path: '/api/transactions',
    plane: 'business',
    summary: 'List transactions, newest first',
    tag: 'transfers',
    query: transactionsQuery,
  },
  getTransaction: {
    method: 'get',
    path: '/api/transactions/:id',
    plane: 'business',
    summary: 'Get one transaction with its ledger entries',
    tag: 'transfers',
    params: transactionParams,
  },
} as const satisfies Record<string, Route>;

export type RouteId = keyof typeof ROUTES;

/**
 * Every route of the API: its own, the fault API's and, with a risk client, its policy endpoints. The one
 * list behind the routers, GET /'s endpoint list and the OpenAPI document.
 */
export function routeTable(options: { risk: boolean }): Route[] {
  return [
    ...Object.values(ROUTES),
    ...faultOperations(updateSchema).map((op) => ({ ...op, plane: 'control' as const })),
    ...(options.risk ? POLICY_OPERATIONS.map((op) => ({ ...op, plane: 'control' as const })) : []),
  ];
}

/** GET /'s endpoint list: "GET /api/accounts/:number". */
export const endpointList = (routes: readonly Route[]) => routes.map((r) => `${r.method.toUpperCase()} ${r.path}`);

/** A handler (or a chain of them) for each of the API's own routes; undefined leaves a route unmounted. */
export type Handlers = Record<RouteId, RequestHandler | RequestHandler[] | undefined>;

/** Mounts the API's own routes; the fault gate runs before every business route and no other. */
export function apiRouter(handlers: Handlers, gate: RequestHandler): Router {
  const router = Router();
  for (const [id, route] of Object.entries(ROUTES) as [RouteId, Route][]) {
    const handler = handlers[id];
    if (!handler) continue;
    const chain = [...(route.plane === 'business' ? [gate] : []), ...[handler].flat()];
    if (route.prefix) router.use(route.path, ...chain);
    else router[route.method](route.path, ...chain);
  }
  return router;
}
