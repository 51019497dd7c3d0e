import { createHash } from 'node:crypto';
import { AppError } from '../errors';
import { formatCents } from '../money';
import type { Metrics } from '../telemetry/metrics';
import type { RiskClient } from '../risk/client';
import type { EntryRow, TransactionRepository, TransactionRow, TransferResultRow } from './repository';

export interface TransferRequest {
  from_account: string;
  to_account: string;
  /** Integer cents. */
  amount: number;
  currency?: string;
  description?: string;
}

/** A transaction as the API answers it. */
export interface TransactionView {
  transaction_id: string;
  from_account: string;
  to_account: string;
  amount: string;
  amount_cents: number;
  currency: string;
  description: string | null;
  created_at: string;
  entries?: { account: string; amount: string; amount_cents: number }[];
}

export function toTransactionView(row: TransactionRow, entries?: EntryRow[]): TransactionView {
  return {
    transaction_id: row.id,
    from_account: row.from_account,
    to_account: row.to_account,
    amount: formatCents(row.amount_cents),
    amount_cents: Number(row.amount_cents),
    currency: row.currency,
    description: row.description,
    created_at: row.created_at.toISOString(),
    ...(entries && {
      entries: entries.map((e) => ({
        account: e.account_number,
        amount: formatCents(e.amount_cents),
        amount_cents: Number(e.amount_cents),
      })),
    }),
  };
}

function requestHash(r: TransferRequest): string {
  const canonical = JSON.stringify([r.from_account, r.to_account, r.amount, r.currency ?? null, r.description ?? null]);
  return createHash('sha256').update(canonical).digest('hex');
}

export type TransferOutcome = 'completed' | 'replayed' | 'insufficient_funds' | 'rejected' | 'failed';

/** Transfers money on the double-entry ledger, atomically and at most once per idempotency key. */
export class TransferService {
  constructor(
    private readonly transactions: TransactionRepository,
    private readonly metrics: Metrics,
    /** When set, every transfer is scored before it commits (RISK_URL); a decline moves nothing. */
    private readonly risk?: Pick<RiskClient, 'assess'>,
  ) {}

  async transfer(
    request: TransferRequest,
    idempotencyKey?: string,
  ): Promise<{ transaction: TransactionView; replayed: boolean }> {
    // Only a key's later retries compare bodies: without a key there is nothing to hash for.
    const hash = idempotencyKey === undefined ? undefined : requestHash(request);
    try {
      // Before the transaction: a slow risk service then holds no pool connection and no row lock.
      if (this.risk) await this.score(request, idempotencyKey);
      const result = await this.transactions.transfer({
        from: request.from_account,
        to: request.to_account,
        cents: request.amount,
        currency: request.currency,
        description: request.description,
        key: idempotencyKey,
        hash,
      });
      if (result.outcome === 'replayed') return this.count('replayed', this.replay(result, hash));
      if (result.outcome !== 'completed') throw refusal(request, result);
      this.metrics.moneyMovedCents.inc({ currency: result.currency }, request.amount);
      return this.count('completed', { transaction: toTransactionView(result), replayed: false });
    } catch (err) {
      this.metrics.transfersTotal.inc({ outcome: outcomeOf(err) });
      throw err;
    }
  }

  async get(id: string): Promise<TransactionView> {
    const row = await this.transactions.find(id);
    if (!row) throw new AppError('TRANSACTION_NOT_FOUND', { details: { transaction_id: id } });
    return toTransactionView(row, await this.transactions.entries(id));
  }

  async list(account: string | undefined, limit: number, offset: number): Promise<TransactionView[]> {
    return (await this.transactions.list(account, limit, offset)).map((row) => toTransactionView(row));
  }

  private async score(request: TransferRequest, idempotencyKey: string | undefined): Promise<void> {
    const { from_account, to_account, amount, currency } = request;
    const verdict = await this.risk!.assess(
      { from_account, to_account, amount_cents: amount, ...(currency && { currency }) },
      idempotencyKey,
    );
    if (!verdict.approved)
      throw new AppError('RISK_DECLINED', { details: { reason: verdict.reason, decision_id: verdict.decisionId } });
  }

  private replay(
    earlier: TransactionRow,
    hash: string | undefined,
  ): { transaction: TransactionView; replayed: boolean } {
    if (earlier.request_hash !== hash)
      throw new AppError('IDEMPOTENCY_KEY_REUSED', { details: { transaction_id: earlier.id } });
    return { transaction: toTransactionView(earlier), replayed: true };
  }

  private count<T>(outcome: TransferOutcome, result: T): T {
    this.metrics.transfersTotal.inc({ outcome });
    return result;
  }
}

/** The error of a transfer the database refused; nothing was written. */
function refusal(r: TransferRequest, result: Extract<TransferResultRow, { from_balance_cents: string }>): AppError {
  switch (result.outcome) {
    case 'account_not_found':
      return new AppError('ACCOUNT_NOT_FOUND', {
        details: { accounts: [result.from_account, result.to_account].filter(Boolean) },
      });
    case 'currency_mismatch':
      return new AppError('CURRENCY_MISMATCH', {
        details: {
          from_currency: result.from_currency,
          to_currency: result.to_currency,
          ...(r.currency && { transfer_currency: r.currency }),
        },
      });
    case 'key_reused':
      // The key was refused earlier for another body: no transaction carries it.
      return new AppError('IDEMPOTENCY_KEY_REUSED', { details: { earlier_outcome: 'INSUFFICIENT_FUNDS' } });
    case 'insufficient_funds':
      return new AppError('INSUFFICIENT_FUNDS', {
        details: {
          account: r.from_account,
          balance: formatCents(result.from_balance_cents),
          amount: formatCents(r.amount),
        },
      });
  }
}

function outcomeOf(err: unknown): TransferOutcome {
  if (!(err instanceof AppError)) return 'failed';
  if (err.code === 'INSUFFICIENT_FUNDS') return 'insufficient_funds';
  return err.status < 500 ? 'rejected' : 'failed';
}
