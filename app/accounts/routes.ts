import type { RequestHandler } from 'express';
import { parseRequest } from '../http/validate';
import type { RouteId } from '../routes';
import { accountParams, openAccountBody, pageQuery } from './schemas';
import type { AccountService } from './service';

/** The workshop's default account, answered by GET /api/balance. */
export const DEFAULT_ACCOUNT = 'ACC-001';

/** The handlers of the account routes (their paths are in app/routes.ts). */
export function accountHandlers(
  accounts: AccountService,
): Record<Extract<RouteId, 'balance' | 'listAccounts' | 'getAccount' | 'openAccount'>, RequestHandler> {
  return {
    balance: async (_req, res) => {
      res.json(await accounts.get(DEFAULT_ACCOUNT));
    },

    listAccounts: async (req, res) => {
      const { query } = parseRequest({ query: [pageQuery, req.query] });
      res.json({ accounts: await accounts.list(query.limit, query.offset), limit: query.limit, offset: query.offset });
    },

    getAccount: async (req, res) => {
      const { params } = parseRequest({ params: [accountParams, req.params] });
      res.json(await accounts.get(params.number));
    },

    openAccount: async (req, res) => {
      const { body } = parseRequest({ body: [openAccountBody, req.body] });
      res.status(201).json(await accounts.open(body.owner, body.currency, body.opening_balance));
    },
  };
}
