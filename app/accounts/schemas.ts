import { z } from 'zod';
import { accountNumberSchema, currencySchema, openingBalanceSchema } from '../money';

export const openAccountBody = z
  .strictObject({
    owner: z
      .string()
      .trim()
      .min(1)
      .max(100)
      .regex(/^[^\p{Cc}\p{Cf}]*$/u, 'must not contain control characters')
      .meta({ example: 'Workshop Participant' }),
    currency: currencySchema.default('USD'),
    opening_balance: openingBalanceSchema.default(0),
  })
  .meta({ id: 'OpenAccountRequest' });

export const accountParams = z.strictObject({ number: accountNumberSchema });

export const pageQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});

export const accountSchema = z
  .object({
    account: accountNumberSchema,
    owner: z.string(),
    balance: z.string().meta({ description: 'Balance in major units, exact decimal string', example: '10000.00' }),
    balance_cents: z.number().int(),
    currency: currencySchema,
    created_at: z.string(),
  })
  .meta({ id: 'Account' });
