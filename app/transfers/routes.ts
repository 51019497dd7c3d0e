import type { RequestHandler } from 'express';
import { parseRequest } from '../http/validate';
import type { RouteId } from '../routes';
import { legacyTransferBody, transactionParams, transactionsQuery, transferBody, transferHeaders } from './schemas';
import type { TransferService } from './service';

/** The handlers of the transfer routes (their paths are in app/routes.ts). */
export function transferHandlers(
  transfers: TransferService,
): Record<Extract<RouteId, 'transfer' | 'legacyTransfer' | 'listTransactions' | 'getTransaction'>, RequestHandler> {
  return {
    transfer: async (req, res) => {
      const { body, headers } = parseRequest({
        body: [transferBody, req.body],
        headers: [transferHeaders, req.headers],
      });
      const { transaction, replayed } = await transfers.transfer(body, headers['idempotency-key']);
      res.setHeader('Idempotent-Replayed', String(replayed));
      res.status(replayed ? 200 : 201).json(transaction);
    },

    // The original workshop endpoint: same rules, its answer shape kept for the curl commands.
    legacyTransfer: async (req, res) => {
      const { body, headers } = parseRequest({
        body: [legacyTransferBody, req.body],
        headers: [transferHeaders, req.headers],
      });
      const { transaction, replayed } = await transfers.transfer(body, headers['idempotency-key']);
      res.setHeader('Idempotent-Replayed', String(replayed));
      res.json({ status: 'success', ...transaction });
    },

    listTransactions: async (req, res) => {
      const { query } = parseRequest({ query: [transactionsQuery, req.query] });
      const items = await transfers.list(query.account, query.limit, query.offset);
      res.json({
        transactions: items,
        limit: query.limit,
        offset: query.offset,
        next_offset: items.length === query.limit ? query.offset + query.limit : null,
      });
    },

    getTransaction: async (req, res) => {
      const { params } = parseRequest({ params: [transactionParams, req.params] });
      res.json(await transfers.get(params.id));
    },
  };
}
