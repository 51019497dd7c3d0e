import type { Database } from '../db/database';

/** An account row as stored (money in integer cents). */
export interface AccountRow {
  number: string;
  owner: string;
  currency: string;
  balance_cents: string;
  created_at: Date;
}

const COLUMNS = 'number, owner, currency, balance_cents, created_at';

export class AccountRepository {
  constructor(private readonly db: Database) {}

  async find(number: string): Promise<AccountRow | undefined> {
    const rows = await this.db.query<AccountRow>('account_get', `SELECT ${COLUMNS} FROM accounts WHERE number = $1`, [
      number,
    ]);
    return rows[0];
  }

  list(limit: number, offset: number): Promise<AccountRow[]> {
    return this.db.query<AccountRow>(
      'account_list',
      `SELECT ${COLUMNS} FROM accounts ORDER BY number LIMIT $1 OFFSET $2`,
      [limit, offset],
    );
  }

  async open(owner: string, currency: string, openingCents: number): Promise<AccountRow> {
    const rows = await this.db.query<AccountRow>(
      'account_open',
      `INSERT INTO accounts (number, owner, currency, opening_balance_cents, balance_cents)
       VALUES ('ACC-' || lpad(nextval('account_number_seq')::text, 3, '0'), $1, $2, $3, $3)
       RETURNING ${COLUMNS}`,
      [owner, currency, openingCents],
    );
    return rows[0] as AccountRow;
  }
}
