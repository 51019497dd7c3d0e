import {
  ConstantBackoff,
  ExponentialBackoff,
  SamplingBreaker,
  TimeoutStrategy,
  bulkhead,
  circuitBreaker,
  fullJitterGenerator,
  handleWhen,
  noJitterGenerator,
  noop,
  retry,
  timeout,
  wrap,
  type BulkheadPolicy,
  type CircuitBreakerPolicy,
  type IPolicy,
  type RetryPolicy,
} from 'cockatiel';
import { z } from 'zod';
import { MAX_AMOUNT_CENTS } from '../money';
import { isFailure, isRetryable } from './transport';

/**
 * The resilience policies of the API's risk-service client, as one flat settings object (the fault API's
 * shape): every key has a default, POST /api/policies merges any subset, POST /api/policies/reset restores these.
 */
export const policySchema = z.strictObject({
  timeout_ms: z
    .number()
    .int()
    .min(0)
    .max(60_000)
    .default(1000)
    .describe('Timeout of each attempt, ms; 0 means none (an attempt waits as long as the risk service takes).'),
  retry_max_attempts: z
    .number()
    .int()
    .min(1)
    .max(10)
    .default(3)
    .describe(
      'Attempts per call, first one included (1 = no retry). Only calls carrying an idempotency key are retried, and only after a refused connection, a timeout or a 5xx.',
    ),
  retry_backoff: z
    .enum(['exponential', 'none'])
    .default('exponential')
    .describe('exponential: waits retry_base_ms, then doubles, up to retry_max_delay_ms; none: retries at once.'),
  retry_base_ms: z.number().int().min(0).max(10_000).default(50).describe('First retry delay, ms.'),
  retry_max_delay_ms: z.number().int().min(0).max(30_000).default(1000).describe('Longest retry delay, ms.'),
  retry_jitter: z
    .boolean()
    .default(true)
    .describe('Full jitter: each delay is drawn uniformly from [0, delay), so callers do not retry in step.'),
  breaker_enabled: z.boolean().default(true).describe('Whether the circuit breaker runs at all.'),
  breaker_failure_ratio: z
    .number()
    .min(0.01)
    .max(0.99)
    .default(0.5)
    .describe('The breaker opens when more than this share of the attempts in the window failed.'),
  breaker_window_ms: z.number().int().min(1000).max(600_000).default(10_000).describe('Sampling window, ms.'),
  breaker_min_attempts: z
    .number()
    .int()
    .min(1)
    .max(100_000)
    .default(10)
    .describe('Attempts the window needs before the ratio counts (a single failure never opens it).'),
  breaker_half_open_ms: z
    .number()
    .int()
    .min(100)
    .max(600_000)
    .default(5000)
    .describe('How long the breaker stays open before one probe call is let through (half-open).'),
  bulkhead_limit: z
    .number()
    .int()
    .min(0)
    .max(10_000)
    .default(50)
    .describe('Calls in flight to the risk service at most; 0 means no limit.'),
  bulkhead_queue: z
    .number()
    .int()
    .min(0)
    .max(10_000)
    .default(20)
    .describe('Calls that may wait for a free slot; further calls are refused at once.'),
  fallback: z
    .enum(['fail_closed', 'approve_below_limit'])
    .default('fail_closed')
    .describe(
      'When a call fails: fail_closed answers 503/504 and moves nothing; approve_below_limit approves transfers up to fallback_limit_cents without a score.',
    ),
  fallback_limit_cents: z
    .number()
    .int()
    .min(0)
    .max(MAX_AMOUNT_CENTS)
    .default(10_000)
    .describe('Largest amount (cents) approve_below_limit lets through while the risk service fails.'),
});
export type Policies = z.output<typeof policySchema>;
export const DEFAULT_POLICIES: Readonly<Policies> = Object.freeze(policySchema.parse({}));

/** A partial update: the same keys, each optional, validated together. */
export const policyUpdateSchema = z
  .strictObject(
    Object.fromEntries(
      Object.entries(policySchema.shape).map(([k, v]) => [k, (v.unwrap() as z.ZodType).optional()]),
    ) as unknown as { [K in keyof Policies]: z.ZodOptional<z.ZodType<Policies[K]>> },
  )
  .meta({ id: 'PolicyUpdate' });
export type PolicyUpdate = z.output<typeof policyUpdateSchema>;

/** The composed cockatiel policies: bulkhead -> retry -> breaker -> timeout -> one HTTP attempt. */
export interface PolicyChain {
  /** For calls with an idempotency key. */
  keyed: IPolicy;
  /** For calls without one: the same chain, never retried. */
  single: IPolicy;
  retry?: RetryPolicy;
  breaker?: CircuitBreakerPolicy;
  bulkhead?: BulkheadPolicy;
}

/**
 * Builds the chain from settings. The breaker sits inside the retry, so every attempt counts towards it
 * and an open breaker stops the retries too; the retry never retries an open breaker or a full bulkhead.
 */
export function buildPolicies(p: Policies): PolicyChain {
  const retryable = handleWhen(isRetryable);
  const perAttempt =
    p.timeout_ms > 0 ? timeout(p.timeout_ms, { strategy: TimeoutStrategy.Aggressive, abortOnReturn: true }) : noop;
  const breaker = p.breaker_enabled
    ? circuitBreaker(handleWhen(isFailure), {
        halfOpenAfter: p.breaker_half_open_ms,
        breaker: new SamplingBreaker({
          threshold: p.breaker_failure_ratio,
          duration: p.breaker_window_ms,
          minimumRps: p.breaker_min_attempts / (p.breaker_window_ms / 1000),
        }),
      })
    : undefined;
  const backoff =
    p.retry_backoff === 'none'
      ? new ConstantBackoff(0)
      : new ExponentialBackoff({
          initialDelay: p.retry_base_ms,
          maxDelay: p.retry_max_delay_ms,
          generator: p.retry_jitter ? fullJitterGenerator : noJitterGenerator,
        });
  const retrying =
    p.retry_max_attempts > 1 ? retry(retryable, { maxAttempts: p.retry_max_attempts - 1, backoff }) : undefined;
  const limiter = p.bulkhead_limit > 0 ? bulkhead(p.bulkhead_limit, p.bulkhead_queue) : undefined;
  const inner: IPolicy[] = [breaker ?? noop, perAttempt];
  return {
    keyed: wrap(limiter ?? noop, retrying ?? noop, ...inner),
    single: wrap(limiter ?? noop, ...inner),
    retry: retrying,
    breaker,
    bulkhead: limiter,
  };
}
