import http from 'node:http';
import { context, propagation } from '@opentelemetry/api';
import { isTaskCancelledError } from 'cockatiel';
import { z } from 'zod';
import { CLIENT_IDLE_SOCKET_MS } from '../keep-alive';

/** How one attempt to reach the risk service failed; the client maps each kind to an error code. */
export type FailureKind = 'unavailable' | 'timeout' | 'bad_response' | 'conflict';

export class DependencyError extends Error {
  constructor(
    readonly kind: FailureKind,
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'DependencyError';
  }
}

/** Worth another attempt: the service was unreachable, too slow (cockatiel's timeout), or answered 5xx. Not: a garbled answer, a 4xx. */
export function isRetryable(err: Error): boolean {
  return (
    isTaskCancelledError(err) ||
    (err instanceof DependencyError && (err.kind === 'unavailable' || err.kind === 'timeout'))
  );
}

/** Counts towards the circuit breaker: whatever is retryable, and answers that cannot be read. A 409 is a real answer. */
export function isFailure(err: Error): boolean {
  return isRetryable(err) || (err instanceof DependencyError && err.kind === 'bad_response');
}

/** The answer of POST /api/decisions, checked field by field: anything else is a bad response. */
export const decisionAnswer = z.object({
  decision_id: z.uuid(),
  decision: z.enum(['approve', 'decline']),
  reason: z.string().max(200),
  score: z.number().int().min(0).max(100),
  replayed: z.boolean(),
});
export type DecisionAnswer = z.output<typeof decisionAnswer>;

/** The connection pool of the risk client: kept alive, an idle connection dropped before the server would drop it. */
export function riskAgent(): http.Agent {
  return new http.Agent({ keepAlive: true, maxSockets: 1024, timeout: CLIENT_IDLE_SOCKET_MS });
}

export interface ScoreRequest {
  from_account: string;
  to_account: string;
  amount_cents: number;
  currency?: string;
}

/** A decision is a few hundred bytes; anything much larger (an endless stream) is cut off here. */
const MAX_ANSWER_BYTES = 16 * 1024;

/**
 * One HTTP attempt: POST {base}/api/decisions with the idempotency key and the W3C trace context. It
 * resolves only with a well-formed decision; every other outcome (refused or reset connection, an answer
 * cut off, a wrong content type, garbage, too long, an unexpected status, the signal aborting) rejects
 * with a DependencyError of the matching kind, never anything else.
 */
export function postDecision(
  agent: http.Agent,
  base: URL,
  body: ScoreRequest,
  key: string | undefined,
  signal: AbortSignal,
): Promise<DecisionAnswer> {
  const payload = JSON.stringify(body);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(payload)),
    accept: 'application/json',
    ...(key !== undefined && { 'idempotency-key': key }),
  };
  propagation.inject(context.active(), headers);
  return new Promise<DecisionAnswer>((resolve, reject) => {
    let answered = false;
    const fail = (kind: FailureKind, message: string, status?: number) => {
      req.destroy();
      reject(new DependencyError(kind, message, status));
    };
    const req = http.request(new URL('/api/decisions', base), { method: 'POST', agent, headers, signal }, (res) => {
      answered = true;
      const status = res.statusCode ?? 0;
      const type = res.headers['content-type'] ?? '';
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_ANSWER_BYTES)
          return fail('bad_response', `answer longer than ${MAX_ANSWER_BYTES} bytes`, status);
        chunks.push(chunk);
      });
      res.on('aborted', () => fail('bad_response', 'the answer was cut off', status));
      res.on('error', () => fail('bad_response', 'the answer was cut off', status));
      res.on('end', () => {
        if (!res.complete) return fail('bad_response', 'the answer was cut off', status);
        if (status >= 500) return fail('unavailable', `answered ${status}`, status);
        if (status === 409) return fail('conflict', 'the idempotency key was used with another transfer', status);
        if (status !== 200 && status !== 201) return fail('bad_response', `unexpected status ${status}`, status);
        if (!/^application\/json\b/i.test(type))
          return fail('bad_response', `content type ${type.slice(0, 60)}`, status);
        let parsed: unknown;
        try {
          parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          return fail('bad_response', 'the answer is not JSON', status);
        }
        const checked = decisionAnswer.safeParse(parsed);
        if (!checked.success) return fail('bad_response', 'the answer is not a decision', status);
        resolve(checked.data);
      });
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (signal.aborted) return reject(new DependencyError('timeout', 'the attempt timed out'));
      if (answered) return reject(new DependencyError('bad_response', 'the answer was cut off'));
      reject(new DependencyError('unavailable', err.code ?? err.message));
    });
    req.end(payload);
  });
}
