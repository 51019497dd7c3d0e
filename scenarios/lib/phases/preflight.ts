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
  if (results[1]?.ok) {
    const up = await run.prometheus.value(q.apiUp()).catch(() => undefined);
    results.push({
      name: 'API scraped by Prometheus',
      ok: up === 1,
      value: up === undefined ? 'no target' : `up=${up}`,
      expected: 'up=1',
    });
  }
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

async function reach(name: string, url: string): Promise<ProbeResult> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
    await res.arrayBuffer();
    return { name, ok: res.ok, value: `HTTP ${res.status} from ${url}`, expected: '200' };
  } catch (err) {
    return { name, ok: false, value: `${url} unreachable (${(err as Error).message})`, expected: '200' };
  }
}
