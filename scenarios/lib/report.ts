import fs from 'node:fs';
import path from 'node:path';
import { renderChart } from './chart';
import type { Journal } from './journal';
import { formatValue } from './probes';
import { en, type Messages } from './lang/en';

/** The verdict table: every probe of every phase with its value and tolerance. */
export function verdictTable(j: Journal, m: Messages = en): string {
  const clip = (text: string) => (text.length > 70 ? `${text.slice(0, 67)}...` : text);
  const rows = j.phases.flatMap((p) =>
    p.probes.map((r) => [
      m.phases[p.phase],
      r.ok ? 'PASS' : 'FAIL',
      m.text(r.name),
      clip(m.value(r.value)),
      clip(m.value(r.expected)),
      'heldAt' in r && r.heldAt !== undefined ? `${r.heldAt.toFixed(1)} s` : '',
    ]),
  );
  const header = m.columns;
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] as number)).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map((r) => line(r))].join('\n');
}

export function chartOf(j: Journal): string {
  return renderChart(j.signal.points, j.signal.marks, (v) => formatValue(v, j.signal.unit as never));
}

/** The terminal summary printed at the end of a run. */
export function summary(j: Journal, m: Messages = en): string {
  return [
    '',
    m.outcome(j.scenario.id, m.text(j.scenario.title), j.verdict.toUpperCase(), j.seconds.toFixed(1)),
    j.aborted ? m.aborted(j.aborted) : '',
    '',
    verdictTable(j, m),
    '',
    m.chartCaption(m.text(j.signal.name)),
    chartOf(j),
    j.load ? `\n${m.loadTotals(j.load.requests, j.load.non2xx, j.load.errors, j.load.p99Ms)}` : '',
  ]
    .filter((l) => l !== undefined)
    .join('\n');
}

export function markdown(j: Journal, m: Messages = en): string {
  const table = j.phases.flatMap((p) =>
    p.probes.map(
      (r) =>
        `| ${m.phases[p.phase]} | ${r.ok ? 'PASS' : '**FAIL**'} | ${m.text(r.name)} | ${m.value(r.value)} | ${m.value(r.expected)} |`,
    ),
  );
  return [
    m.report.title(j.scenario.id, m.text(j.scenario.title)),
    '',
    `- ${m.report.verdict(j.verdict.toUpperCase(), j.seconds.toFixed(1), j.profile, j.startedAt)}`,
    `- ${m.report.hypothesis}: ${m.text(j.scenario.hypothesis)}`,
    `- ${m.report.faults}: \`${JSON.stringify(j.scenario.faults)}\``,
    ...(j.aborted ? [`- ${m.report.aborted}: ${j.aborted}`] : []),
    ...(j.load ? [`- ${m.report.load(j.load.requests, j.load.non2xx, j.load.p99Ms)}`] : []),
    '',
    `| ${m.columns.slice(0, 5).join(' | ')} |`,
    '|---|---|---|---|---|',
    ...table,
    '',
    `## ${m.text(j.signal.name)}`,
    '',
    '```',
    chartOf(j),
    '```',
    '',
  ].join('\n');
}

/** Where the running scenario's journal is kept, for the control room to show. */
export function liveJournalFile(reportsDir: string): string {
  return path.join(reportsDir, 'live.json');
}

/** Replaces the live journal in one rename, so a reader never sees half a file. */
export function writeLiveJournal(j: Journal, dir: string, running: boolean): void {
  fs.mkdirSync(dir, { recursive: true });
  const file = liveJournalFile(dir);
  fs.writeFileSync(`${file}.tmp`, JSON.stringify({ ...j, running }));
  fs.renameSync(`${file}.tmp`, file);
}

/** Writes the JSON journal and the Markdown report; returns their paths. */
export function writeReports(j: Journal, dir: string, m: Messages = en): { json: string; md: string } {
  fs.mkdirSync(dir, { recursive: true });
  const base = path.join(dir, `${j.startedAt.replace(/[:.]/g, '-')}-scenario-${j.scenario.id}-${j.scenario.slug}`);
  fs.writeFileSync(`${base}.json`, `${JSON.stringify(j, null, 2)}\n`);
  fs.writeFileSync(`${base}.md`, markdown(j, m));
  return { json: `${base}.json`, md: `${base}.md` };
}
