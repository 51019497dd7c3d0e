import { AppError } from '../errors';
import { formatCents } from '../money';
import type { AccountRepository, AccountRow } from './repository';

/** An account as the API answers it. */
export interface AccountView {
  account: string;
  owner: string;
  balance: string;
  balance_cents: number;
  currency: string;
  created_at: string;
}

export function toAccountView(row: AccountRow): AccountView {
  return {
    account: row.number,
    owner: row.owner,
    balance: formatCents(row.balance_cents),
    balance_cents: Number(row.balance_cents),
    currency: row.currency,
    created_at: row.created_at.toISOString(),
  };
}

export class AccountService {
  constructor(private readonly accounts: AccountRepository) {}

  async get(number: string): Promise<AccountView> {
    const row = await this.accounts.find(number);
    if (!row) throw new AppError('ACCOUNT_NOT_FOUND', { details: { account: number } });
    return toAccountView(row);
  }

  async list(limit: number, offset: number): Promise<AccountView[]> {
    return (await this.accounts.list(limit, offset)).map(toAccountView);
  }

  async open(owner: string, currency: string, openingCents: number): Promise<AccountView> {
    return toAccountView(await this.accounts.open(owner, currency, openingCents));
  }
}
