import type { Database } from '../db/database';

/** A transactions row (money in integer cents, as text from BIGINT). */
export interface TransactionRow {
  id: string;
  from_account: string;
  to_account: string;
  amount_cents: string;
  currency: string;
  description: string | null;
  idempotency_key: string | null;
  request_hash: string | null;
  created_at: Date;
}

export interface EntryRow {
  account_number: string;
  amount_cents: string;
}

/**
 * What transfer_money answers. 'completed' and 'replayed' carry the transaction row; a refusal
 * carries what its error reports (for account_not_found, from_account/to_account are the missing ones).
 */
export type TransferResultRow =
  | ({ outcome: 'completed' } & TransactionRow)
  | ({ outcome: 'replayed' } & TransactionRow)
  | {
      outcome: 'account_not_found' | 'currency_mismatch' | 'insufficient_funds' | 'key_reused';
      from_account: string | null;
      to_account: string | null;
      from_currency: string;
      to_currency: string;
      from_balance_cents: string;
    };

const COLUMNS =
  'id, from_account, to_account, amount_cents, currency, description, idempotency_key, request_hash, created_at';

export class TransactionRepository {
  constructor(private readonly db: Database) {}

  async findByKey(key: string): Promise<TransactionRow | undefined> {
    const rows = await this.db.query<TransactionRow>(
      'transaction_by_key',
      `SELECT ${COLUMNS} FROM transactions WHERE idempotency_key = $1`,
      [key],
    );
    return rows[0];
  }

  async find(id: string): Promise<TransactionRow | undefined> {
    const rows = await this.db.query<TransactionRow>(
      'transaction_get',
      `SELECT ${COLUMNS} FROM transactions WHERE id = $1`,
      [id],
    );
    return rows[0];
  }

  entries(id: string): Promise<EntryRow[]> {
    return this.db.query<EntryRow>(
      'ledger_entries_get',
      'SELECT account_number, amount_cents FROM ledger_entries WHERE transaction_id = $1 ORDER BY id',
      [id],
    );
  }

  list(account: string | undefined, limit: number, offset: number): Promise<TransactionRow[]> {
    return this.db.query<TransactionRow>(
      'transaction_list',
      `SELECT ${COLUMNS} FROM transactions
       WHERE $1::text IS NULL OR from_account = $1 OR to_account = $1
       ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3`,
      [account ?? null, limit, offset],
    );
  }

  /**
   * The whole transfer in one statement and one round trip (init.sql's transfer_money): the idempotent
   * replay, row locks, checks, the transaction row, its two balanced ledger entries and both balances.
   */
  async transfer(t: {
    from: string;
    to: string;
    cents: number;
    currency?: string;
    description?: string;
    key?: string;
    hash?: string;
  }): Promise<TransferResultRow> {
    const rows = await this.db.atomic<TransferResultRow>(
      'transfer_money',
      'SELECT * FROM transfer_money($1, $2, $3, $4, $5, $6, $7)',
      [t.from, t.to, t.cents, t.currency ?? null, t.description ?? null, t.key ?? null, t.hash ?? null],
    );
    return rows[0] as TransferResultRow;
  }
}
