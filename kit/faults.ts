import type { FaultName, FaultSettings, FaultUpdate } from '../app/faults/catalogue';
import type { FaultView } from '../app/faults/registry';

/** The fault settings a tool sets: the app's own update type (a renamed setting breaks the build), without the expiry. */
export type FaultChange = Omit<FaultUpdate, 'duration_s'>;

/** GET /api/failures. */
export interface FaultsView {
  current_config: FaultSettings;
  enabled: boolean;
  faults: Record<FaultName, FaultView>;
  leaked_bytes: number;
}

/** POST /api/failures. */
export interface UpdateAnswer {
  status: 'updated';
  config: FaultSettings;
  faults: Record<FaultName, FaultView>;
}

/** POST /api/reset. */
export interface ResetAnswer {
  status: 'reset complete';
  config: FaultSettings;
  released_bytes: number;
}

/** An answer of the control plane: its body typed when it succeeded, as received otherwise. */
export type Answer<T> = { ok: true; status: number; body: T } | { ok: false; status: number; body: unknown };

/** The body of a successful answer; otherwise an error naming the call, the status and the body. */
export function succeeded<T>(answer: Answer<T>, call: string): T {
  if (answer.ok) return answer.body;
  throw new Error(`${call} answered ${answer.status}: ${JSON.stringify(answer.body)?.slice(0, 300)}`);
}

/**
 * The kit's client of the API's fault control plane. Every fault it sets carries an expiry, so a tool
 * that dies before its reset leaves nothing switched on for long.
 */
export class FaultClient {
  constructor(
    readonly apiUrl: string,
    private readonly options: { token?: string | undefined; timeoutMs?: number } = {},
  ) {}

  /** POST /api/failures with the given settings, switching themselves off after expirySeconds. */
  inject(change: FaultChange, expirySeconds: number): Promise<Answer<UpdateAnswer>> {
    return this.call<UpdateAnswer>('POST', '/api/failures', { ...change, duration_s: expirySeconds });
  }

  /** POST /api/reset: every fault off, what they hold released. */
  reset(): Promise<Answer<ResetAnswer>> {
    return this.call<ResetAnswer>('POST', '/api/reset');
  }

  /** GET /api/failures; throws when the API refuses. */
  async view(): Promise<FaultsView> {
    return succeeded(await this.call<FaultsView>('GET', '/api/failures'), 'GET /api/failures');
  }

  private async call<T>(method: 'GET' | 'POST', path: string, body?: object): Promise<Answer<T>> {
    const res = await fetch(`${this.apiUrl}${path}`, {
      method,
      headers: {
        'content-type': 'application/json',
        ...(this.options.token && { authorization: `Bearer ${this.options.token}` }),
      },
      ...(body && { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(this.options.timeoutMs ?? 5000),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // Not JSON (a proxy's error page): kept as text for the error message.
    }
    return res.ok
      ? { ok: true, status: res.status, body: parsed as T }
      : { ok: false, status: res.status, body: parsed };
  }
}
