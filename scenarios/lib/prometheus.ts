/** A small client of the Prometheus and Alertmanager HTTP APIs, enough for probes. */

export interface PromSample {
  labels: Record<string, string>;
  value: number;
}

async function getJson<T>(url: string, timeoutMs = 5000): Promise<T> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  const body = (await res.json()) as { status?: string; error?: string; data?: unknown };
  if (!res.ok || body.status === 'error') throw new Error(`${url}: HTTP ${res.status} ${body.error ?? ''}`.trim());
  return body as T;
}

export class PrometheusClient {
  constructor(readonly url: string) {}

  /** Evaluates an instant query (now, or at the Unix time in seconds); returns every sample of the vector (or the scalar as one sample). */
  async query(expr: string, time?: number): Promise<PromSample[]> {
    const at = time === undefined ? '' : `&time=${time.toFixed(3)}`;
    const body = await getJson<{ data: { resultType: string; result: unknown } }>(
      `${this.url}/api/v1/query?query=${encodeURIComponent(expr)}${at}`,
    );
    const { resultType, result } = body.data;
    if (resultType === 'scalar') return [{ labels: {}, value: Number((result as [number, string])[1]) }];
    return (result as { metric: Record<string, string>; value: [number, string] }[]).map((r) => ({
      labels: r.metric,
      value: Number(r.value[1]),
    }));
  }

  /** The single value of a query, or undefined when it returns no data (or NaN). */
  async value(expr: string, time?: number): Promise<number | undefined> {
    const samples = await this.query(expr, time);
    if (samples.length > 1) throw new Error(`expected one series from ${expr}, got ${samples.length}`);
    const v = samples[0]?.value;
    return v === undefined || Number.isNaN(v) ? undefined : v;
  }

  /** Names of the alerts Prometheus currently reports as firing. */
  async firingAlerts(): Promise<string[]> {
    const body = await getJson<{ data: { alerts: { labels: { alertname: string }; state: string }[] } }>(
      `${this.url}/api/v1/alerts`,
    );
    return body.data.alerts.filter((a) => a.state === 'firing').map((a) => a.labels.alertname);
  }
}

export class AlertmanagerClient {
  constructor(readonly url: string) {}

  /** Names of the alerts Alertmanager holds as active (received from Prometheus, not silenced). */
  async activeAlerts(): Promise<string[]> {
    const res = await fetch(`${this.url}/api/v2/alerts?active=true&silenced=false&inhibited=true`, {
      signal: AbortSignal.timeout(5000),
    });
    if (!res.ok) throw new Error(`${this.url}/api/v2/alerts: HTTP ${res.status}`);
    const alerts = (await res.json()) as { labels: { alertname: string } }[];
    return alerts.map((a) => a.labels.alertname);
  }
}
