import type { Request, RequestHandler, Response } from 'express';
import { parseRequest } from '../http/validate';
import type { RouteId } from '../routes';
import { legacyTransferBody, transactionParams, transactionsQuery, transferBody, transferHeaders } from './schemas';
import type { TransferService } from './service';

/** The handlers of the transfer routes (their paths are in app/routes.ts). */
export function transferHandlers(
  transfers: TransferService,
): Record<Extract<RouteId, 'transfer' | 'legacyTransfer' | 'listTransactions' | 'getTransaction'>, RequestHandler> {
  /** Validates body and headers together, transfers once per Idempotency-Key and says whether it replayed. */
  const transfer = async (schema: typeof transferBody | typeof legacyTransferBody, req: Request, res: Response) => {
    const { body, headers } = parseRequest({ body: [schema, req.body], headers: [transferHeaders, req.headers] });
    const result = await transfers.transfer(body, headers['idempotency-key']);
    res.setHeader('Idempotent-Replayed', String(result.replayed));
    return result;
  };

  return {
    transfer: async (req, res) => {
      const { transaction, replayed } = await transfer(transferBody, req, res);
      res.status(replayed ? 200 : 201).json(transaction);
    },

    // The original workshop endpoint: same rules, its answer shape kept for the curl commands.
    legacyTransfer: async (req, res) => {
      const { transaction } = await transfer(legacyTransferBody, req, res);
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
