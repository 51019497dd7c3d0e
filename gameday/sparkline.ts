import type { Sample } from './game';

const WIDTH = 320;
const HEIGHT = 60;

/**
 * A small SVG line chart of one signal over a round, with vertical marks (e.g. the injection). Values
 * are scaled from 0 to the round's maximum (printed top left with `unit`); gaps (no data) break the line.
 */
export function sparkline(
  samples: readonly Sample[],
  from: number,
  to: number,
  marks: { t: number; label: string }[],
  unit = '',
): string {
  const known = samples.filter((s): s is { t: number; v: number } => s.v !== undefined && Number.isFinite(s.v));
  const max = Math.max(0, ...known.map((s) => s.v)) || 1;
  const span = Math.max(1, to - from);
  const x = (t: number) => (((t - from) / span) * WIDTH).toFixed(1);
  const y = (v: number) => (HEIGHT - 2 - (v / max) * (HEIGHT - 4)).toFixed(1);
  const lines: string[] = [];
  let current: string[] = [];
  for (const s of samples) {
    if (s.v === undefined || !Number.isFinite(s.v)) {
      if (current.length > 0) lines.push(current.join(' '));
      current = [];
    } else current.push(`${x(s.t)},${y(s.v)}`);
  }
  if (current.length > 0) lines.push(current.join(' '));
  const polylines = lines.map((p) => `<polyline fill="none" stroke="#1f77b4" stroke-width="1.5" points="${p}"/>`);
  const markLines = marks.map(
    (m) =>
      `<line x1="${x(m.t)}" x2="${x(m.t)}" y1="0" y2="${HEIGHT}" stroke="#d62728" stroke-dasharray="3,2"><title>${m.label}</title></line>`,
  );
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#fff" stroke="#ccc"/>`,
    `<text x="4" y="11" font-size="10" font-family="sans-serif" fill="#555">max ${Number(max.toPrecision(3))}${unit ? ` ${unit}` : ''}</text>`,
    ...markLines,
    ...polylines,
    '</svg>',
  ].join('\n');
}
