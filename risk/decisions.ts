import { createHash } from 'node:crypto';
import { z } from 'zod';
import { AppError } from '../app/errors';
import type { Database } from '../app/db/database';
import { MAX_AMOUNT_CENTS, accountNumberSchema, currencySchema } from '../app/money';
import type { RiskMetrics } from '../app/telemetry/metrics';

/** The body of POST /api/decisions: the transfer to score, amounts in integer cents. */
export const scoreBody = z
  .strictObject({
    from_account: accountNumberSchema,
    to_account: accountNumberSchema,
    amount_cents: z.number().int().min(1).max(MAX_AMOUNT_CENTS),
    currency: currencySchema.optional(),
  })
  .meta({ id: 'ScoreRequest' });
export type ScoreCommand = z.output<typeof scoreBody>;

/** A stored decision, as the service answers it. */
export interface Decision {
  decision_id: string;
  decision: 'approve' | 'decline';
  reason: string;
  score: number;
  /** True when the key already had this decision: nothing new was stored. */
  replayed: boolean;
}

interface DecisionRow {
  id: string;
  decision: 'approve' | 'decline';
  reason: string;
  score: number;
  request_hash: string;
  inserted: boolean;
}

/** The scoring rule: a workshop-sized model, declining everything above one limit. */
export function score(amountCents: number, declineAboveCents: number): Omit<Decision, 'decision_id' | 'replayed'> {
  const value = Math.min(100, Math.round((amountCents / declineAboveCents) * 50));
  return amountCents > declineAboveCents
    ? { decision: 'decline', reason: 'amount_above_limit', score: value }
    : { decision: 'approve', reason: 'within_limit', score: value };
}

/** Scores transfers and keeps one decision per idempotency key (risk.decisions). */
export class DecisionService {
  constructor(
    private readonly db: Database,
    private readonly metrics: Pick<RiskMetrics, 'decisionsTotal'>,
    private readonly declineAboveCents: number,
  ) {}

  /**
   * One statement: the first call with a key stores the decision; later calls (retries, replays) only count
   * themselves and answer the stored one. The same key with another transfer is a 409, as in the API.
   */
  async decide(command: ScoreCommand, key: string | undefined): Promise<Decision> {
    const hash = createHash('sha256')
      .update(
        JSON.stringify([command.from_account, command.to_account, command.amount_cents, command.currency ?? null]),
      )
      .digest('hex');
    const verdict = score(command.amount_cents, this.declineAboveCents);
    const rows = await this.db.query<DecisionRow>(
      'decision_upsert',
      `INSERT INTO risk.decisions
         (idempotency_key, request_hash, from_account, to_account, amount_cents, currency, decision, reason, score)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (idempotency_key) DO UPDATE SET calls = risk.decisions.calls + 1, last_call_at = now()
       RETURNING id, decision, reason, score, request_hash, (xmax = 0) AS inserted`,
      [
        key ?? null,
        hash,
        command.from_account,
        command.to_account,
        command.amount_cents,
        command.currency ?? null,
        verdict.decision,
        verdict.reason,
        verdict.score,
      ],
    );
    const row = rows[0] as DecisionRow;
    if (row.request_hash !== hash) throw new AppError('IDEMPOTENCY_KEY_REUSED', { details: { decision_id: row.id } });
    this.metrics.decisionsTotal.inc({ decision: row.decision, replayed: String(!row.inserted) });
    return {
      decision_id: row.id,
      decision: row.decision,
      reason: row.reason,
      score: row.score,
      replayed: !row.inserted,
    };
  }
}
