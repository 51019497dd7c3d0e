import { Router, type RequestHandler } from 'express';
import { parseRequest } from '../http/validate';
import { legacyTransferBody, transactionParams, transactionsQuery, transferBody, transferHeaders } from './schemas';
import type { TransferService } from './service';

export function transferRoutes(transfers: TransferService, gate: RequestHandler): Router {
  const router = Router();

  router.post('/api/transfers', gate, async (req, res) => {
    const { body, headers } = parseRequest({ body: [transferBody, req.body], headers: [transferHeaders, req.headers] });
    const { transaction, replayed } = await transfers.transfer(body, headers['idempotency-key']);
    res.setHeader('Idempotent-Replayed', String(replayed));
    res.status(replayed ? 200 : 201).json(transaction);
  });

  // The original workshop endpoint: same rules, its answer shape kept for the curl commands.
  router.post('/api/transfer', gate, async (req, res) => {
    const { body, headers } = parseRequest({
      body: [legacyTransferBody, req.body],
      headers: [transferHeaders, req.headers],
    });
    const { transaction, replayed } = await transfers.transfer(body, headers['idempotency-key']);
    res.setHeader('Idempotent-Replayed', String(replayed));
    res.json({ status: 'success', ...transaction });
  });

  router.get('/api/transactions', gate, async (req, res) => {
    const { query } = parseRequest({ query: [transactionsQuery, req.query] });
    const items = await transfers.list(query.account, query.limit, query.offset);
    res.json({
      transactions: items,
      limit: query.limit,
      offset: query.offset,
      next_offset: items.length === query.limit ? query.offset + query.limit : null,
    });
  });

  router.get('/api/transactions/:id', gate, async (req, res) => {
    const { params } = parseRequest({ params: [transactionParams, req.params] });
    res.json(await transfers.get(params.id));
  });

  return router;
}
