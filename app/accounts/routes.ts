import { Router, type RequestHandler } from 'express';
import { parseRequest } from '../http/validate';
import { accountParams, openAccountBody, pageQuery } from './schemas';
import type { AccountService } from './service';

/** The workshop's default account, answered by GET /api/balance. */
export const DEFAULT_ACCOUNT = 'ACC-001';

export function accountRoutes(accounts: AccountService, gate: RequestHandler): Router {
  const router = Router();

  router.get('/api/balance', gate, async (_req, res) => {
    res.json(await accounts.get(DEFAULT_ACCOUNT));
  });

  router.get('/api/accounts', gate, async (req, res) => {
    const { query } = parseRequest({ query: [pageQuery, req.query] });
    res.json({ accounts: await accounts.list(query.limit, query.offset), limit: query.limit, offset: query.offset });
  });

  router.get('/api/accounts/:number', gate, async (req, res) => {
    const { params } = parseRequest({ params: [accountParams, req.params] });
    res.json(await accounts.get(params.number));
  });

  router.post('/api/accounts', gate, async (req, res) => {
    const { body } = parseRequest({ body: [openAccountBody, req.body] });
    res.status(201).json(await accounts.open(body.owner, body.currency, body.opening_balance));
  });

  return router;
}
