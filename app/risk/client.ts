import { SpanKind, trace } from '@opentelemetry/api';
import {
  CircuitState,
  isBrokenCircuitError,
  isBulkheadRejectedError,
  isTaskCancelledError,
  type IDisposable,
} from 'cockatiel';
import { AppError, type ErrorCode } from '../errors';
import type { Logger } from '../telemetry/logger';
import type { Metrics } from '../telemetry/metrics';
import { addSpanEvent } from '../telemetry/trace-context';
import { DEFAULT_POLICIES, buildPolicies, type Policies, type PolicyChain, type PolicyUpdate } from './policies';
import { DependencyError, postDecision, riskAgent, type ScoreRequest } from './transport';

const DEPENDENCY = 'risk';
const BREAKER_STATES = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half_open',
  [CircuitState.Isolated]: 'open',
} as const;
type BreakerState = (typeof BREAKER_STATES)[CircuitState];

/** What the transfer does next: approved (by a score, or by the fallback) or declined with a reason. */
export interface RiskDecision {
  approved: boolean;
  reason: string;
  decisionId?: string;
  /** True when the fallback approved without a score. */
  fallback: boolean;
}

type Failure = 'unavailable' | 'timeout' | 'bad_response' | 'breaker_open' | 'bulkhead_full' | 'conflict';
const FAILURE_CODES: Record<Exclude<Failure, 'conflict'>, ErrorCode> = {
  unavailable: 'DEPENDENCY_UNAVAILABLE',
  breaker_open: 'DEPENDENCY_UNAVAILABLE',
  bulkhead_full: 'DEPENDENCY_UNAVAILABLE',
  timeout: 'DEPENDENCY_TIMEOUT',
  bad_response: 'DEPENDENCY_BAD_RESPONSE',
};

function classify(err: unknown): Failure {
  if (isBrokenCircuitError(err)) return 'breaker_open';
  if (isBulkheadRejectedError(err)) return 'bulkhead_full';
  if (isTaskCancelledError(err)) return 'timeout';
  if (err instanceof DependencyError) return err.kind;
  return 'unavailable';
}

/**
 * The API's client of the risk service: every call runs through the current policy chain (cockatiel),
 * is measured, and on failure either falls back (approve below the limit) or fails closed with a clear code.
 * The policies change at runtime; a change rebuilds the chain (the breaker starts closed again).
 */
export class RiskClient {
  private policies: Policies = { ...DEFAULT_POLICIES };
  private chain!: PolicyChain;
  private listeners: IDisposable[] = [];
  private readonly agent = riskAgent();
  private readonly tracer = trace.getTracer('fintech-api.risk-client');

  constructor(
    private readonly base: URL,
    private readonly deps: { metrics: Metrics; logger: Logger },
  ) {
    this.rebuild();
  }

  /** Merges an already validated update. */
  configure(update: PolicyUpdate): Policies {
    this.policies = {
      ...this.policies,
      ...Object.fromEntries(Object.entries(update).filter(([, v]) => v !== undefined)),
    };
    this.rebuild();
    this.deps.logger.info('risk policies updated', { change: update });
    return this.policies;
  }

  reset(): Policies {
    this.policies = { ...DEFAULT_POLICIES };
    this.rebuild();
    this.deps.logger.info('risk policies reset');
    return this.policies;
  }

  view() {
    const { breaker, bulkhead } = this.chain;
    return {
      url: this.base.origin,
      policies: this.policies,
      breaker: { enabled: breaker !== undefined, state: breaker ? BREAKER_STATES[breaker.state] : 'off' },
      bulkhead: bulkhead
        ? { enabled: true, free_slots: bulkhead.executionSlots, free_queue: bulkhead.queueSlots }
        : { enabled: false },
    };
  }

  /** Scores a transfer; retried only when it carries an idempotency key (the risk service then keeps one decision). */
  async assess(request: ScoreRequest, key: string | undefined): Promise<RiskDecision> {
    const { metrics } = this.deps;
    const chain = this.chain;
    const policies = this.policies;
    const end = metrics.dependencyCallDuration.startTimer({ dependency: DEPENDENCY });
    return this.tracer.startActiveSpan('risk.assess', { kind: SpanKind.CLIENT }, async (span) => {
      let attempts = 0;
      try {
        const answer = await (key === undefined ? chain.single : chain.keyed).execute(({ signal }) => {
          metrics.dependencyAttempts.inc({ dependency: DEPENDENCY, kind: attempts++ === 0 ? 'first' : 'retry' });
          return postDecision(this.agent, this.base, request, key, signal);
        });
        end({ outcome: answer.decision === 'approve' ? 'approved' : 'declined' });
        return {
          approved: answer.decision === 'approve',
          reason: answer.reason,
          decisionId: answer.decision_id,
          fallback: false,
        };
      } catch (err) {
        const failure = classify(err);
        span.setAttribute('risk.failure', failure);
        if (failure === 'conflict') {
          end({ outcome: 'conflict' });
          throw new AppError('IDEMPOTENCY_KEY_REUSED', { details: { dependency: DEPENDENCY } });
        }
        if (policies.fallback === 'approve_below_limit' && request.amount_cents <= policies.fallback_limit_cents) {
          end({ outcome: 'fallback_approved' });
          metrics.dependencyFallbacks.inc({ dependency: DEPENDENCY, decision: 'approved' });
          addSpanEvent('risk.fallback', { 'risk.decision': 'approved', 'risk.failure': failure });
          this.deps.logger.warn('risk service failed; transfer approved below the fallback limit', {
            failure,
            amount_cents: request.amount_cents,
          });
          return { approved: true, reason: 'fallback_below_limit', fallback: true };
        }
        end({ outcome: failure });
        metrics.dependencyFallbacks.inc({ dependency: DEPENDENCY, decision: 'refused' });
        addSpanEvent('risk.fallback', { 'risk.decision': 'refused', 'risk.failure': failure });
        throw new AppError(FAILURE_CODES[failure], {
          details: {
            dependency: DEPENDENCY,
            failure,
            attempts,
            ...(err instanceof Error && { cause: err.message.slice(0, 200) }),
          },
        });
      } finally {
        span.end();
      }
    });
  }

  close(): void {
    for (const l of this.listeners) l.dispose();
    this.agent.destroy();
  }

  private rebuild(): void {
    for (const l of this.listeners) l.dispose();
    this.chain = buildPolicies(this.policies);
    const { breaker, retry } = this.chain;
    this.listeners = [];
    this.publishBreaker(breaker ? 'closed' : undefined);
    if (breaker)
      this.listeners.push(
        breaker.onStateChange((state) => {
          const name = BREAKER_STATES[state];
          this.publishBreaker(name);
          this.deps.metrics.dependencyBreakerTransitions.inc({ dependency: DEPENDENCY, state: name });
          addSpanEvent('risk.breaker', { 'risk.breaker.state': name });
          this.deps.logger.warn('risk circuit breaker changed state', { state: name });
        }),
      );
    if (retry)
      this.listeners.push(
        retry.onRetry(({ attempt, delay }) =>
          addSpanEvent('risk.retry', { 'risk.attempt': attempt + 1, 'risk.delay_ms': delay }),
        ),
      );
  }

  private publishBreaker(current: BreakerState | undefined): void {
    for (const state of ['closed', 'open', 'half_open'] as const)
      this.deps.metrics.dependencyBreakerState.set({ dependency: DEPENDENCY, state }, state === current ? 1 : 0);
  }
}
