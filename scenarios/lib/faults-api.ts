/** A fault control plane (the API's or the risk service's, at `apiUrl`), as the runner uses it. */
export class FaultsApi {
  constructor(
    private readonly apiUrl: string,
    private readonly token?: string,
  ) {}

  /** POST /api/policies/reset, then POST /api/policies with `policies` (the API's risk client; 404 without RISK_URL). */
  async setPolicies(policies: Record<string, unknown>): Promise<{ ok: boolean; status: number }> {
    const reset = await this.resetPolicies();
    if (!reset.ok || Object.keys(policies).length === 0) return reset;
    const res = await fetch(`${this.apiUrl}/api/policies`, {
      method: 'POST',
      headers: this.headers(),
      body: JSON.stringify(policies),
      signal: AbortSignal.timeout(5000),
    });
    await res.arrayBuffer();
    return { ok: res.ok, status: res.status };
  }

  async resetPolicies(): Promise<{ ok: boolean; status: number }> {
    const res = await fetch(`${this.apiUrl}/api/policies/reset`, {
      method: 'POST',
      headers: this.headers(),
      signal: AbortSignal.timeout(5000),
    });
    await res.arrayBuffer();
    return { ok: res.ok, status: res.status };
  }

  private headers(): Record<string, string> {
    return { 'content-type': 'application/json', ...(this.token && { authorization: `Bearer ${this.token}` }) };
  }

  async inject(faults: Record<string, unknown>): Promise<{ ok: boolean; status: number; body: unknown }> {
    const res = await fetch(`${this.apiUrl}/api/failures`, {
      method: 'POST',
      headers: this.headers(),
      body: JSON.stringify(faults),
      signal: AbortSignal.timeout(5000),
    });
    return { ok: res.ok, status: res.status, body: await res.json().catch(() => undefined) };
  }

  async reset(): Promise<{ ok: boolean; status: number }> {
    const res = await fetch(`${this.apiUrl}/api/reset`, {
      method: 'POST',
      headers: this.headers(),
      signal: AbortSignal.timeout(5000),
    });
    await res.arrayBuffer();
    return { ok: res.ok, status: res.status };
  }

  async state(): Promise<FaultsState> {
    const res = await fetch(`${this.apiUrl}/api/failures`, {
      headers: this.headers(),
      signal: AbortSignal.timeout(5000),
    });
    return (await res.json()) as FaultsState;
  }
}

/** The parts of GET /api/failures the runner and its tests read. */
export interface FaultsState {
  faults?: Record<string, { active?: boolean; expires_at?: string; cap_bytes?: number } | undefined>;
}
