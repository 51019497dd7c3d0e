import fs from 'node:fs';
import path from 'node:path';
import type { GameRecord, RoundRecord } from './game';
import { SIGNALS, type SignalKey, type StackShape } from './incidents';
import { sparkline } from './sparkline';

/** Seconds from the injection to an instant, as the debrief prints it ("+12 s"; "before injection" when negative). */
function since(round: RoundRecord, at: string | undefined): string {
  if (!at) return '—';
  if (!round.injected_at) return at;
  const s = Math.round((Date.parse(at) - Date.parse(round.injected_at)) / 1000);
  return `${at} (${s >= 0 ? '+' : ''}${s} s)`;
}

/** The stack the game was drawn for, as the debrief names it. */
const stackLine = (stack: StackShape) =>
  `API replicas ${stack.replicas.join(', ') || 'unknown'}, ${stack.risk ? 'with' : 'without'} the risk service`;

function roundMarkdown(r: RoundRecord, chart: (key: SignalKey) => string): string {
  const rows: [string, string][] = [
    ['round opened', r.opened_at],
    ['incident injected', r.injected_at ?? 'never (the round ended first)'],
    ...r.stages.slice(1).map((s): [string, string] => ['incident worsened', since(r, s.at)]),
    ['first signal', r.first_signal ? `${SIGNALS[r.first_signal.signal].name}: ${since(r, r.first_signal.at)}` : '—'],
    ['first alert', r.first_alert ? `${r.first_alert.name}: ${since(r, r.first_alert.at)}` : 'none fired'],
    ...r.answers.map((a): [string, string] => [
      `answer: ${a.team}`,
      `${since(r, a.at)}: ${a.diagnosis.family} on ${a.diagnosis.scope}, start ${a.diagnosis.started_at} → ` +
        `family ${a.verdict.family ? '✓' : '✗'}, scope ${a.verdict.scope ? '✓' : '✗'}, start ${a.verdict.start ? '✓' : '✗'}, ${a.verdict.points} points`,
    ]),
    [`round closed (${r.ended_by ?? 'time'})`, since(r, r.closed_at)],
  ];
  return [
    `## Round ${r.round}: ${r.incident.id}`,
    '',
    `*${r.incident.story}* Ground truth: **${r.incident.family}** on **${r.incident.scope}**, started ${r.injected_at ?? '—'}.`,
    `Signals expected to show it: ${r.incident.signals.map((k) => SIGNALS[k].name).join(', ')}.`,
    '',
    '| When | What |',
    '|---|---|',
    ...rows.map(([what, when]) => `| ${what} | ${when} |`),
    '',
    ...r.incident.signals.map((k) => `![${SIGNALS[k].name}](${chart(k)})`),
    '',
  ].join('\n');
}

/** Writes the debrief: `<base>.json` (the whole record), `<base>.md` and one SVG chart per round and expected signal. */
export function writeReport(record: GameRecord, dir: string): { markdown: string; json: string } {
  fs.mkdirSync(dir, { recursive: true });
  const stamp = record.started_at.replace(/[-:]/g, '').replace(/\..*$/, '');
  const base = `gameday-${record.seed}-${stamp}`;
  const chartName = (r: RoundRecord, k: SignalKey) => `${base}-round${r.round}-${k}.svg`;
  for (const r of record.rounds) {
    const from = Date.parse(r.opened_at);
    const to = r.closed_at ? Date.parse(r.closed_at) : Date.now();
    const marks = r.stages.map((s, i) => ({ t: Date.parse(s.at), label: i === 0 ? 'injected' : 'worsened' }));
    for (const k of r.incident.signals)
      fs.writeFileSync(path.join(dir, chartName(r, k)), sparkline(r.samples[k], from, to, marks, SIGNALS[k].unit));
  }
  const markdown = [
    `# Game day debrief (seed ${record.seed})`,
    '',
    `${record.options.rounds} rounds of ${record.options.roundSeconds} s, teams ${record.options.teams.join(', ')}; ` +
      `started ${record.started_at}, finished ${record.finished_at ?? '—'}; stack: ${stackLine(record.stack)}. ` +
      `Replay on the same stack with \`make gameday SEED=${record.seed}\`.`,
    '',
    '| Team | Score |',
    '|---|---|',
    ...record.leaderboard.map((l) => `| ${l.team} | ${l.score} |`),
    '',
    ...record.rounds.map((r) => roundMarkdown(r, (k) => chartName(r, k))),
  ].join('\n');
  const paths = { markdown: path.join(dir, `${base}.md`), json: path.join(dir, `${base}.json`) };
  fs.writeFileSync(paths.markdown, markdown);
  fs.writeFileSync(paths.json, `${JSON.stringify(record, null, 2)}\n`);
  return paths;
}
