/** The kit's client of the Prometheus and Alertmanager HTTP APIs (queries, alerts, targets). */

export interface PromSample {
  labels: Record<string, string>;
  value: number;
}

/** An alert as Prometheus's /api/v1/alerts reports it. */
export interface PromAlert {
  name: string;
  labels: Record<string, string>;
  state: 'pending' | 'firing';
  /** When the expression first held (the alert became pending), epoch ms. */
  activeAtMs: number;
}

/** One scrape target as Prometheus's /api/v1/targets reports it. */
export interface ScrapeTarget {
  job: string;
  address: string;
  health: 'up' | 'down' | 'unknown';
  lastError: string;
}

async function getJson<T>(url: string, timeoutMs = 5000): Promise<T> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  const text = await res.text();
  const body = JSON.parse(text || 'null') as (T & { status?: string; error?: string }) | null;
  if (!res.ok || body?.status === 'error')
    throw new Error(`GET ${url}: HTTP ${res.status} ${body?.error ?? text.slice(0, 200)}`.trim());
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
    if (resultType !== 'vector') throw new Error(`${expr} gives a ${resultType}, not an instant vector or scalar`);
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

  /** The alerts Prometheus holds, pending and firing. */
  async alerts(): Promise<PromAlert[]> {
    const body = await getJson<{
      data: { alerts: { labels: Record<string, string>; state: PromAlert['state']; activeAt: string }[] };
    }>(`${this.url}/api/v1/alerts`);
    return body.data.alerts.map((a) => ({
      name: a.labels['alertname'] ?? '',
      labels: a.labels,
      state: a.state,
      activeAtMs: Date.parse(a.activeAt),
    }));
  }

  /** Names of the alerts Prometheus currently reports as firing. */
  async firingAlerts(): Promise<string[]> {
    return (await this.alerts()).filter((a) => a.state === 'firing').map((a) => a.name);
  }

  /** The active scrape targets and their health. */
  async targets(): Promise<ScrapeTarget[]> {
    const body = await getJson<{
      data: {
        activeTargets: {
          labels: Record<string, string>;
          scrapeUrl: string;
          health: ScrapeTarget['health'];
          lastError: string;
        }[];
      };
    }>(`${this.url}/api/v1/targets?state=active`, 2000);
    return body.data.activeTargets.map((t) => ({
      job: t.labels['job'] ?? '',
      address: new URL(t.scrapeUrl).host,
      health: t.health,
      lastError: t.lastError,
    }));
  }

  /** The scrape interval of the loaded configuration, in seconds (undefined when it sets none). */
  async scrapeIntervalSeconds(): Promise<number | undefined> {
    const body = await getJson<{ data: { yaml: string } }>(`${this.url}/api/v1/status/config`, 3000);
    const interval = /scrape_interval:\s*(\d+)(ms|s)/.exec(body.data.yaml);
    return interval ? Number(interval[1]) / (interval[2] === 'ms' ? 1000 : 1) : undefined;
  }
}

export class AlertmanagerClient {
  constructor(readonly url: string) {}

  /** Names of the alerts Alertmanager holds as active (received from Prometheus, not silenced). */
  async activeAlerts(): Promise<string[]> {
    const alerts = await getJson<{ labels: { alertname: string } }[]>(
      `${this.url}/api/v2/alerts?active=true&silenced=false&inhibited=true`,
    );
    return alerts.map((a) => a.labels.alertname);
  }
}
