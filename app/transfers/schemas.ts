import { z } from 'zod';
import { accountNumberSchema, amountSchema, currencySchema } from '../money';

const description = z
  .string()
  .max(140)
  .regex(/^[^\p{Cc}]*$/u, 'must not contain control characters')
  .optional()
  .meta({ example: 'Lunch' });

export const transferBody = z
  .strictObject({
    from_account: accountNumberSchema,
    to_account: accountNumberSchema,
    amount: amountSchema,
    currency: currencySchema.optional(),
    description,
  })
  .refine((b) => b.from_account !== b.to_account, { error: 'must differ from from_account', path: ['to_account'] })
  .meta({ id: 'TransferRequest' });

/** The workshop's original transfer call: money always leaves ACC-001 unless from_account says otherwise. */
export const legacyTransferBody = z
  .strictObject({
    amount: amountSchema,
    to_account: accountNumberSchema,
    from_account: accountNumberSchema.default('ACC-001'),
    currency: currencySchema.optional(),
    description,
  })
  .refine((b) => b.from_account !== b.to_account, { error: 'must differ from from_account', path: ['to_account'] })
  .meta({ id: 'LegacyTransferRequest' });

/** Headers a transfer reads; other headers are ignored, not rejected. */
export const transferHeaders = z.object({
  'idempotency-key': z
    .string()
    .regex(/^[A-Za-z0-9._:-]{1,128}$/, 'must be 1-128 characters of A-Z a-z 0-9 . _ : -')
    .optional()
    .meta({ description: 'Retries with the same key return the original result and move no money twice.' }),
});

export const transactionsQuery = z.strictObject({
  account: accountNumberSchema.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});

export const transactionParams = z.strictObject({ id: z.uuid() });

export type TransferCommand = z.output<typeof transferBody>;
