import { createHash } from 'node:crypto';
import { AppError } from '../errors';
import { formatCents } from '../money';
import type { Database, Tx } from '../db/database';
import type { Metrics } from '../telemetry/metrics';
import type { AccountRepository } from '../accounts/repository';
import type { EntryRow, TransactionRepository, TransactionRow } from './repository';

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
      entries: entries.map((e) => ({ account: e.account_number, amount: formatCents(e.amount_cents), amount_cents: Number(e.amount_cents) })),
    }),
  };
}

function requestHash(r: TransferRequest): string {
  const canonical = JSON.stringify([r.from_account, r.to_account, r.amount, r.currency ?? null, r.description ?? null]);
  return createHash('sha256').update(canonical).digest('hex');
}

function isKeyConflict(err: unknown): boolean {
  const e = err as { code?: string; constraint?: string };
  return e?.code === '23505' && e.constraint === 'transactions_idempotency_key_key';
}

export type TransferOutcome = 'completed' | 'replayed' | 'insufficient_funds' | 'rejected' | 'failed';

/** Transfers money on the double-entry ledger, atomically and at most once per idempotency key. */
export class TransferService {
  constructor(
    private readonly db: Database,
    private readonly accounts: AccountRepository,
    private readonly transactions: TransactionRepository,
    private readonly metrics: Metrics,
  ) {}

  async transfer(request: TransferRequest, idempotencyKey?: string): Promise<{ transaction: TransactionView; replayed: boolean }> {
    const hash = requestHash(request);
    try {
      if (idempotencyKey) {
        const earlier = await this.transactions.findByKey(idempotencyKey);
        if (earlier) return this.count('replayed', this.replay(earlier, hash));
      }
      const row = await this.db.transaction('transfer', (tx) => this.move(tx, request, hash, idempotencyKey));
      this.metrics.moneyMovedCents.inc({ currency: row.currency }, request.amount);
      return this.count('completed', { transaction: toTransactionView(row), replayed: false });
    } catch (err) {
      if (idempotencyKey && isKeyConflict(err)) {
        // A concurrent request with the same key committed first: answer with its result.
        const winner = await this.transactions.findByKey(idempotencyKey);
        if (winner) return this.count('replayed', this.replay(winner, hash));
      }
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

  private async move(
    tx: Tx,
    r: TransferRequest,
    hash: string,
    key: string | undefined,
  ): Promise<TransactionRow> {
    const locked = await this.accounts.lockPair(tx, r.from_account, r.to_account);
    const from = locked.find((a) => a.number === r.from_account);
    const to = locked.find((a) => a.number === r.to_account);
    const missing = [!from && r.from_account, !to && r.to_account].filter(Boolean);
    if (!from || !to) throw new AppError('ACCOUNT_NOT_FOUND', { details: { accounts: missing } });
    if (from.currency !== to.currency || (r.currency && r.currency !== from.currency)) {
      throw new AppError('CURRENCY_MISMATCH', {
        details: { from_currency: from.currency, to_currency: to.currency, ...(r.currency && { transfer_currency: r.currency }) },
      });
    }
    if (BigInt(from.balance_cents) < BigInt(r.amount)) {
      throw new AppError('INSUFFICIENT_FUNDS', {
        details: { account: from.number, balance: formatCents(from.balance_cents), amount: formatCents(r.amount) },
      });
    }
    const row = await this.transactions.insert(tx, {
      from: r.from_account,
      to: r.to_account,
      cents: r.amount,
      currency: from.currency,
      description: r.description,
      key,
      hash,
    });
    await this.accounts.move(tx, r.from_account, r.to_account, r.amount);
    return row;
  }

  private replay(earlier: TransactionRow, hash: string): { transaction: TransactionView; replayed: boolean } {
    if (earlier.request_hash !== hash) throw new AppError('IDEMPOTENCY_KEY_REUSED', { details: { transaction_id: earlier.id } });
    return { transaction: toTransactionView(earlier), replayed: true };
  }

  private count<T>(outcome: TransferOutcome, result: T): T {
    this.metrics.transfersTotal.inc({ outcome });
    return result;
  }
}

function outcomeOf(err: unknown): TransferOutcome {
  if (!(err instanceof AppError)) return 'failed';
  if (err.code === 'INSUFFICIENT_FUNDS') return 'insufficient_funds';
  return err.status < 500 ? 'rejected' : 'failed';
}
