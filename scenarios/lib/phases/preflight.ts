import type { ProbeResult } from '../probes';
import { q } from '../queries';
import type { Run } from '../run';

/** Everything reachable and the API scraped by Prometheus; nothing else runs when this fails. */
export async function preflight(run: Run): Promise<boolean> {
  const record = run.open('preflight');
  const { apiUrl, prometheusUrl, alertmanagerUrl } = run.options;
  const results = await Promise.all([
    reach('API', `${apiUrl}/livez`),
    reach('Prometheus', `${prometheusUrl}/-/ready`),
    reach('Alertmanager', `${alertmanagerUrl}/-/ready`),
  ]);
  if (run.scenario.target === 'risk') results.push(await reach('risk service', `${run.riskUrl}/livez`));
  if (results[1]?.ok) results.push(await scraped(run, run.scenario.replicas ?? 1));
  record.probes = results;
  run.close(
    record,
    results.every((p) => p.ok),
  );
  const m = run.messages;
  for (const p of results) run.say('preflight', `${p.ok ? '✔' : '✘'} ${m.text(p.name)}: ${m.value(p.value)}`);
  if (!record.ok)
    record.note = `not reachable: ${results
      .filter((p) => !p.ok)
      .map((p) => p.name)
      .join(', ')}`;
  return record.ok;
}

/** The API scraped by Prometheus: one process, or exactly as many replicas as the case needs (its probes count on it). */
async function scraped(run: Run, replicas: number): Promise<ProbeResult> {
  const up = (await run.prometheus.value(q.apiReplicasUp()).catch(() => undefined)) ?? 0;
  if (replicas === 1 && up <= 1) {
    return { name: 'API scraped by Prometheus', ok: up === 1, value: up ? `up=${up}` : 'no target', expected: 'up=1' };
  }
  const name = replicas === 1 ? 'API scraped by Prometheus' : `${replicas} API replicas scraped by Prometheus`;
  const start = replicas === 1 ? 'make up' : `make up REPLICAS=${replicas}`;
  return {
    name,
    ok: up === replicas,
    value: up === replicas ? `${up} up` : `${up} up: this case needs ${replicas}, run make down, then ${start}`,
    expected: `${replicas} up`,
  };
}

async function reach(name: string, url: string): Promise<ProbeResult> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
    await res.arrayBuffer();
    return { name, ok: res.ok, value: `HTTP ${res.status} from ${url}`, expected: '200' };
  } catch (err) {
    return { name, ok: false, value: `${url} unreachable (${(err as Error).message})`, expected: '200' };
  }
}
