import type { Environment } from './environment';
import type { Figure, SectionResult } from './results';
import { summarize } from './stats';

/** Everything one run produced; also what the JSON file holds. */
export interface BenchReport {
  environment: Environment;
  settings: Record<string, unknown>;
  sections: SectionResult[];
  totalSeconds: number;
}

function format(value: number, digits: number): string {
  if (!Number.isFinite(value)) return '–';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function row(f: Figure): string {
  const s = summarize(f.values);
  const verdict = f.met === undefined ? '' : f.met ? 'met' : '**not met**';
  const unit = f.unit === '×' ? '×' : ` ${f.unit}`;
  const cell = (v: number) => (Number.isFinite(v) ? `${format(v, f.digits)}${unit}` : '–');
  return `| ${f.label} | ${cell(s.min)} | ${cell(s.median)} | ${cell(s.max)} | ${s.n} | ${f.target ?? ''} | ${verdict} |`;
}

export function renderSection(s: SectionResult): string {
  const lines = [`### ${s.title}`, ''];
  if (s.skipped) return [...lines, `Skipped: ${s.skipped}`, ''].join('\n');
  lines.push(s.setup, '', '| Figure | min | median | max | runs | target | |', '|---|---:|---:|---:|---:|---|---|');
  lines.push(...s.figures.map(row));
  if (s.notes.length > 0) lines.push('', ...s.notes.map((n) => `- ${n}`));
  lines.push('', `_${s.seconds.toFixed(0)} s_`, '');
  return lines.join('\n');
}

export function renderMarkdown(report: BenchReport): string {
  const e = report.environment;
  const missed = report.sections.flatMap((s) =>
    s.figures.filter((f) => f.met === false).map((f) => `${s.title}: ${f.label}`),
  );
  const skipped = report.sections.filter((s) => s.skipped).map((s) => `${s.title}: ${s.skipped}`);
  return [
    `## Benchmark results — ${e.date}`,
    '',
    `- Commit: ${e.commit}`,
    `- Node: ${e.node}`,
    `- CPU: ${e.cpu}`,
    `- Memory: ${e.memory}`,
    `- OS: ${e.os}`,
    ...Object.entries(e.tools).map(([name, version]) => `- ${name}: ${version}`),
    `- Total run time: ${report.totalSeconds.toFixed(0)} s`,
    '',
    ...report.sections.map(renderSection),
    '### Targets',
    '',
    missed.length === 0 && skipped.length === 0 ? 'Every target measured was met.' : '',
    ...missed.map((m) => `- not met: ${m}`),
    ...skipped.map((m) => `- skipped: ${m}`),
    '',
  ].join('\n');
}
