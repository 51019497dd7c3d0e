import type { FaultName, FaultSettings, FaultUpdate } from '../app/faults/catalogue';
import { CONTROL_PLANE, type FaultView, type StoreStatus } from '../app/faults/engine';

/** A service's fault types: the names, settings and update body of its catalogue (default: the API's). */
export interface FaultTypes {
  name: string;
  settings: object;
  update: { duration_s?: number };
}
export interface ApiFaultTypes {
  name: FaultName;
  settings: FaultSettings;
  update: FaultUpdate;
}

/** The fault settings a tool sets: the service's own update type (a renamed setting breaks the build), without the expiry. */
export type FaultChange<T extends FaultTypes = ApiFaultTypes> = Omit<T['update'], 'duration_s'>;

/** GET /api/failures; the faults' summaries (e.g. leaked_bytes) are spread into it. */
export interface FaultsView<T extends FaultTypes = ApiFaultTypes> {
  current_config: T['settings'];
  enabled: boolean;
  faults: Record<T['name'], FaultView>;
  /** The replica that answered and the store's view of every replica (absent while a game masks the faults). */
  instance_id?: string;
  store?: StoreStatus;
  [summary: string]: unknown;
}

/** POST /api/failures. */
export interface UpdateAnswer<T extends FaultTypes = ApiFaultTypes> {
  status: 'updated';
  config: T['settings'];
  faults: Record<T['name'], FaultView>;
}

/** POST /api/reset; what the faults released (e.g. released_bytes) is spread into it. */
export interface ResetAnswer<T extends FaultTypes = ApiFaultTypes> {
  status: 'reset complete';
  config: T['settings'];
  [released: string]: unknown;
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
export class FaultClient<T extends FaultTypes = ApiFaultTypes> {
  constructor(
    readonly apiUrl: string,
    private readonly options: { token?: string | undefined; timeoutMs?: number } = {},
  ) {}

  /** POST /api/failures with the given settings, switching themselves off after expirySeconds. */
  inject(change: FaultChange<T>, expirySeconds: number): Promise<Answer<UpdateAnswer<T>>> {
    return this.call<UpdateAnswer<T>>('POST', CONTROL_PLANE.failures, { ...change, duration_s: expirySeconds });
  }

  /** POST /api/reset: every fault off, what they hold released. */
  reset(): Promise<Answer<ResetAnswer<T>>> {
    return this.call<ResetAnswer<T>>('POST', CONTROL_PLANE.reset);
  }

  /**
   * The API's resilience policies for its risk calls (app/risk; the routes exist when the API has
   * RISK_URL): back to the defaults, then `policies` merged over them when given.
   */
  async setPolicies(policies: object = {}): Promise<Answer<unknown>> {
    const reset = await this.call<unknown>('POST', '/api/policies/reset');
    if (!reset.ok || Object.keys(policies).length === 0) return reset;
    return this.call<unknown>('POST', '/api/policies', policies);
  }

  /** GET /api/failures; throws when the API refuses. */
  async view(): Promise<FaultsView<T>> {
    return succeeded(await this.call<FaultsView<T>>('GET', CONTROL_PLANE.failures), `GET ${CONTROL_PLANE.failures}`);
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
