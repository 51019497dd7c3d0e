import { FAULT_NAMES } from '../../app/faults/catalogue';
import { CONTROL_PLANE } from '../../app/faults/engine';
import type { Incident } from '../../gameday/incidents';

/** What a participant saw: answers of public endpoints (status, headers, body), /metrics, log lines. */
export interface Observed {
  answers: { path: string; status: number; headers: Record<string, unknown>; body: string }[];
  metrics: string;
  logLines: string[];
}

/**
 * The fault engine's own series: a change in any of them during a round dates or names the fault. The shared
 * store's staleness moves with the clock alone, whatever the faults do.
 */
const FAULT_SERIES = /^fintech_fault_(?!state_staleness_seconds)\w+(\{[^}]*\})? /;

/** A service's GET /api/failures as a team compares it with another's: all but which replica answered. */
function faultApiView(answer: Observed['answers'][number]): string {
  try {
    const { instance_id: _id, ...rest } = JSON.parse(answer.body) as Record<string, unknown>;
    return `${answer.status} ${JSON.stringify(rest)}`;
  } catch {
    return `${answer.status} ${answer.body}`;
  }
}

/**
 * Every place where what a participant saw names the incident's fault or its settings: a fault's
 * name (as a JSON string) or an injected setting ("key":value) in an answer, a header or a log line; the words of an injected failure; a
 * fintech_fault_* sample that moved since `baselineMetrics` or an error counted as FAULT_INJECTED; and services whose
 * GET /api/failures (answers whose path, after a "<service> " prefix, is that) differ: the odd one out is hit.
 */
export function findLeaks(incident: Incident, seen: Observed, baselineMetrics: string): string[] {
  const settings = incident.stages.flatMap((s) =>
    Object.entries(s.faults).map(([k, v]) => `"${k}":${JSON.stringify(v)}`),
  );
  const words = [...new Set([...FAULT_NAMES.map((n) => `"${n}"`), ...settings, 'FAULT_INJECTED', 'chaos', 'injected'])];
  const leaks: string[] = [];
  const search = (where: string, text: string) => {
    for (const w of words) if (text.toLowerCase().includes(w.toLowerCase())) leaks.push(`${where}: ${w}`);
  };
  for (const a of seen.answers) {
    if (!a.path.endsWith('/metrics')) search(`${a.path} body`, a.body);
    search(`${a.path} headers`, JSON.stringify(a.headers));
  }
  seen.logLines.forEach((line, i) => search(`log line ${i + 1}`, line));
  const views = new Set(
    seen.answers.filter((a) => a.path.replace(/^\S+ (?=\/)/, '') === CONTROL_PLANE.failures).map(faultApiView),
  );
  if (views.size > 1)
    leaks.push(`GET ${CONTROL_PLANE.failures} differs between the services: ${[...views].join(' | ')}`);
  const before = new Set(baselineMetrics.split('\n'));
  for (const line of seen.metrics.split('\n')) {
    if (line.startsWith('#')) continue;
    if ((FAULT_SERIES.test(line) || line.includes('FAULT_INJECTED')) && !before.has(line))
      leaks.push(`/metrics: ${line}`);
  }
  return leaks;
}
