import { z } from 'zod';

/** Largest single amount the API accepts: 1,000,000,000.00 in major units. */
export const MAX_AMOUNT_CENTS = 100_000_000_000;
export const CURRENCIES = ['USD', 'EUR', 'GBP'] as const;
export type Currency = (typeof CURRENCIES)[number];

const DECIMAL = /^(0|[1-9]\d{0,11})(\.\d{1,2})?$/;

/**
 * Converts a decimal amount in major units (a JSON number such as 100.5 or a string such as "100.50")
 * to integer cents through its decimal text, never through floating-point arithmetic.
 * Returns undefined for anything that is not a plain decimal with at most two fraction digits.
 */
export function toCents(value: number | string): number | undefined {
  const text = typeof value === 'number' ? (Number.isFinite(value) ? String(value) : '') : value;
  const match = DECIMAL.exec(text);
  if (!match) return undefined;
  const whole = match[1] as string;
  const fraction = (match[2] ?? '.').slice(1).padEnd(2, '0');
  return Number(whole) * 100 + Number(fraction);
}

/** Formats integer cents as a decimal string with two fraction digits ("1234.50"). */
export function formatCents(cents: number | bigint | string): string {
  const value = BigInt(cents);
  const sign = value < 0n ? '-' : '';
  const abs = value < 0n ? -value : value;
  return `${sign}${abs / 100n}.${(abs % 100n).toString().padStart(2, '0')}`;
}

/** An amount in major units (a number or a decimal string) parsed to integer cents of at least minCents. */
function decimalAmount(minCents: 0 | 1) {
  return z.union([z.number(), z.string()]).transform((value, ctx) => {
    const cents = toCents(value);
    if (cents === undefined) {
      ctx.addIssue({ code: 'custom', message: 'must be a decimal number with at most 2 fraction digits, e.g. 100.50' });
      return z.NEVER;
    }
    if (cents < minCents) {
      ctx.addIssue({ code: 'custom', message: minCents === 0 ? 'must not be negative' : 'must be greater than 0' });
      return z.NEVER;
    }
    if (cents > MAX_AMOUNT_CENTS) {
      ctx.addIssue({ code: 'custom', message: `must be at most ${formatCents(MAX_AMOUNT_CENTS)}` });
      return z.NEVER;
    }
    return cents;
  });
}

export const amountSchema = decimalAmount(1).meta({
  description: 'Amount in major units, > 0, at most 2 fraction digits (number or decimal string).',
  example: 100.5,
});

export const openingBalanceSchema = decimalAmount(0).meta({
  description: 'Opening balance in major units, >= 0, at most 2 fraction digits.',
  example: 250,
});

export const accountNumberSchema = z
  .string()
  .regex(/^ACC-\d{3,12}$/, 'must look like ACC-001')
  .meta({ description: 'Account number', example: 'ACC-002' });

export const currencySchema = z.enum(CURRENCIES).meta({ description: 'ISO 4217 currency code' });
