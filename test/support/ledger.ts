import { withClient } from '../../kit/postgres';

/** The ledger's invariants, read straight from PostgreSQL. */
export interface LedgerAudit {
  totalBalanceCents: bigint;
  negativeBalances: number;
  unbalancedTransactions: number;
  /** Accounts whose balance differs from opening balance + ledger entries. */
  driftedAccounts: number;
  transactions: number;
  entries: number;
}

export async function auditLedger(databaseUrl: string): Promise<LedgerAudit> {
  return withClient(databaseUrl, async (c) => {
    const { rows } = await c.query<{
      total: string;
      negative: number;
      unbalanced: number;
      orphans: number;
      drifted: number;
      transactions: number;
      entries: number;
    }>(`
      SELECT
        (SELECT COALESCE(sum(balance_cents), 0) FROM accounts)::text AS total,
        (SELECT count(*) FROM accounts WHERE balance_cents < 0)::int AS negative,
        (SELECT count(*) FROM (SELECT transaction_id FROM ledger_entries GROUP BY transaction_id
                               HAVING sum(amount_cents) <> 0 OR count(*) <> 2) x)::int AS unbalanced,
        (SELECT count(*) FROM transactions t WHERE NOT EXISTS (SELECT 1 FROM ledger_entries e WHERE e.transaction_id = t.id))::int AS orphans,
        (SELECT count(*) FROM accounts a WHERE a.balance_cents <> a.opening_balance_cents +
           COALESCE((SELECT sum(amount_cents) FROM ledger_entries e WHERE e.account_number = a.number), 0))::int AS drifted,
        (SELECT count(*) FROM transactions)::int AS transactions,
        (SELECT count(*) FROM ledger_entries)::int AS entries`);
    const r = rows[0];
    if (!r) throw new Error('the ledger check returned no row');
    return {
      totalBalanceCents: BigInt(r.total),
      negativeBalances: r.negative,
      unbalancedTransactions: r.unbalanced + r.orphans,
      driftedAccounts: r.drifted,
      transactions: r.transactions,
      entries: r.entries,
    };
  });
}
