import { z } from 'zod';

/** Largest single amount the API accepts: 1,000,000,000.00 in major units. */
export const MAX_AMOUNT_CENTS = 100_000_000_000;
export const CURRENCIES = ['USD', 'EUR', 'GBP'] as const;
export type Currency = (typeof CURRENCIES)[number];

/**
 * The one rule for the text of an amount, whether it comes as a string or as a JSON number (the body
 * parser applies it to each number's own text, before JSON.parse turns it into a double): a plain
 * decimal with at most two fraction digits and no exponent.
 */
export const DECIMAL_TEXT = /^-?(0|[1-9]\d*)(\.\d{1,2})?$/;
export const DECIMAL_MESSAGE = 'must be a decimal number with at most 2 fraction digits and no exponent, e.g. 100.50';
/** DECIMAL_TEXT for amounts: not negative, at most 12 integer digits. */
const AMOUNT_TEXT = /^(0|[1-9]\d{0,11})(\.\d{1,2})?$/;

/**
 * Converts a decimal amount in major units (a JSON number such as 100.5 or a string such as "100.50")
 * to integer cents through its decimal text, never through floating-point arithmetic. A JSON number
 * reaches this as a double, but only after its own text passed DECIMAL_TEXT: within 12 integer digits
 * that text has at most 14 significant digits, so the double prints back as the same decimal (a longer
 * one prints longer and fails). Returns undefined for anything else.
 */
export function toCents(value: number | string): number | undefined {
  const text = typeof value === 'number' ? (Number.isFinite(value) ? String(value) : '') : value;
  const match = AMOUNT_TEXT.exec(text);
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
      ctx.addIssue({ code: 'custom', message: DECIMAL_MESSAGE });
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
  description: 'Amount in major units, > 0, at most 2 fraction digits, no exponent (number or decimal string).',
  example: 100.5,
});

export const openingBalanceSchema = decimalAmount(0).meta({
  description:
    'Opening balance in major units, >= 0, at most 2 fraction digits, no exponent (number or decimal string).',
  example: 250,
});

export const accountNumberSchema = z
  .string()
  .regex(/^ACC-\d{3,12}$/, 'must look like ACC-001')
  .meta({ description: 'Account number', example: 'ACC-002' });

export const currencySchema = z.enum(CURRENCIES).meta({ description: 'ISO 4217 currency code' });
