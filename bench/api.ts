/** The few calls the benchmark makes to the API's control plane and /metrics. */

async function call<T>(url: string, init: RequestInit = {}): Promise<T> {
  const headers = new Headers(init.headers);
  if (!headers.has('content-type')) headers.set('content-type', 'application/json');
  const res = await fetch(url, { ...init, headers });
  const text = await res.text();
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${url} answered ${res.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
}

export function setFaults(baseUrl: string, faults: Record<string, unknown>): Promise<unknown> {
  return call(`${baseUrl}/api/failures`, { method: 'POST', body: JSON.stringify(faults) });
}

export function resetFaults(baseUrl: string): Promise<{ released_bytes: number }> {
  return call(`${baseUrl}/api/reset`, { method: 'POST' });
}

export interface FailuresView {
  leaked_bytes: number;
  faults: { memory_leak: { leaked_bytes?: number; cap_bytes?: number; capped_requests?: number } };
}

export function getFailures(baseUrl: string): Promise<FailuresView> {
  return call(`${baseUrl}/api/failures`);
}

export function getJson<T>(url: string): Promise<T> {
  return call<T>(url);
}

export function postJson<T>(url: string, body: unknown): Promise<T> {
  return call<T>(url, { method: 'POST', body: JSON.stringify(body) });
}

/** One scrape of /metrics in the Prometheus text format, timed from request to last byte. */
export async function scrape(baseUrl: string): Promise<{ ms: number; bytes: number; text: string }> {
  const started = process.hrtime.bigint();
  const res = await fetch(`${baseUrl}/metrics`);
  const text = await res.text();
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (!res.ok) throw new Error(`GET ${baseUrl}/metrics answered ${res.status}`);
  return { ms, bytes: Buffer.byteLength(text), text };
}

/** Samples in an exposition (every non-comment line is one series). */
export function countSeries(exposition: string): number {
  return exposition.split('\n').filter((line) => line !== '' && !line.startsWith('#')).length;
}

/** The value of one sample, by its exact text before the value (`name` or `name{labels}`). */
export function sampleValue(exposition: string, series: string): number | undefined {
  const line = exposition.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1).split(' ')[0]);
}
