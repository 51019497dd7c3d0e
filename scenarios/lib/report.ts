import fs from 'node:fs';
import path from 'node:path';
import { renderChart } from './chart';
import type { Journal } from './runner';
import { formatValue } from './probes';

/** The verdict table: every probe of every phase with its value and tolerance. */
export function verdictTable(j: Journal): string {
  const clip = (text: string) => (text.length > 70 ? `${text.slice(0, 67)}...` : text);
  const rows = j.phases.flatMap((p) =>
    p.probes.map((r) => [
      p.phase,
      r.ok ? 'PASS' : 'FAIL',
      r.name,
      clip(r.value),
      clip(r.expected),
      'heldAt' in r && r.heldAt !== undefined ? `${r.heldAt.toFixed(1)} s` : '',
    ]),
  );
  const header = ['phase', 'result', 'probe', 'value', 'expected', 'at'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] as number)).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map((r) => line(r))].join('\n');
}

export function chartOf(j: Journal): string {
  return renderChart(j.signal.points, j.signal.marks, (v) => formatValue(v, j.signal.unit as never));
}

/** The terminal summary printed at the end of a run. */
export function summary(j: Journal): string {
  return [
    '',
    `Scenario ${j.scenario.id}: ${j.scenario.title} — ${j.verdict.toUpperCase()} in ${j.seconds.toFixed(1)} s`,
    j.aborted ? `aborted: ${j.aborted}` : '',
    '',
    verdictTable(j),
    '',
    `${j.signal.name} across the run (i = injected, r = rolled back):`,
    chartOf(j),
    j.load
      ? `\nload: ${j.load.requests} requests, ${j.load.non2xx} non-2xx, ${j.load.errors} errors, p99 ${j.load.p99Ms} ms`
      : '',
  ]
    .filter((l) => l !== undefined)
    .join('\n');
}

export function markdown(j: Journal): string {
  const table = j.phases.flatMap((p) =>
    p.probes.map((r) => `| ${p.phase} | ${r.ok ? 'PASS' : '**FAIL**'} | ${r.name} | ${r.value} | ${r.expected} |`),
  );
  return [
    `# Scenario ${j.scenario.id}: ${j.scenario.title}`,
    '',
    `- verdict: **${j.verdict.toUpperCase()}** in ${j.seconds.toFixed(1)} s (profile ${j.profile}, started ${j.startedAt})`,
    `- hypothesis: ${j.scenario.hypothesis}`,
    `- faults: \`${JSON.stringify(j.scenario.faults)}\``,
    ...(j.aborted ? [`- aborted: ${j.aborted}`] : []),
    ...(j.load ? [`- load: ${j.load.requests} requests, ${j.load.non2xx} non-2xx, p99 ${j.load.p99Ms} ms`] : []),
    '',
    '| phase | result | probe | value | expected |',
    '|---|---|---|---|---|',
    ...table,
    '',
    `## ${j.signal.name}`,
    '',
    '```',
    chartOf(j),
    '```',
    '',
  ].join('\n');
}

/** Writes the JSON journal and the Markdown report; returns their paths. */
export function writeReports(j: Journal, dir: string): { json: string; md: string } {
  fs.mkdirSync(dir, { recursive: true });
  const base = path.join(dir, `${j.startedAt.replace(/[:.]/g, '-')}-scenario-${j.scenario.id}-${j.scenario.slug}`);
  fs.writeFileSync(`${base}.json`, `${JSON.stringify(j, null, 2)}\n`);
  fs.writeFileSync(`${base}.md`, markdown(j));
  return { json: `${base}.json`, md: `${base}.md` };
}
