/** A point of the main signal: seconds since the run started, and the value (undefined = no data). */
export interface Point {
  t: number;
  v: number | undefined;
}

const BLOCKS = ' ▁▂▃▄▅▆▇█';

/**
 * A small terminal chart: one column per time slot (the slot's maximum), eight levels per row,
 * with markers for the moments faults were injected (i) and rolled back (r).
 */
export function renderChart(
  points: Point[],
  marks: { t: number; label: string }[],
  format: (v: number) => string,
  width = 60,
  height = 6,
): string {
  const known = points.filter((p): p is { t: number; v: number } => p.v !== undefined);
  if (known.length === 0) return '(no data for the chart)';
  const end = Math.max(...points.map((p) => p.t), ...marks.map((m) => m.t), 1);
  width = Math.min(width, Math.max(10, known.length));
  const slots: (number | undefined)[] = Array.from({ length: width }, () => undefined);
  for (const p of known) {
    const i = Math.min(width - 1, Math.floor((p.t / end) * width));
    slots[i] = Math.max(slots[i] ?? -Infinity, p.v);
  }
  const max = Math.max(...known.map((p) => p.v));
  const min = Math.min(0, ...known.map((p) => p.v));
  const span = max - min || 1;
  const rows: string[] = [];
  for (let row = height - 1; row >= 0; row -= 1) {
    const line = slots
      .map((v) => {
        if (v === undefined) return ' ';
        const level = ((v - min) / span) * height * 8 - row * 8;
        return BLOCKS[Math.max(0, Math.min(8, Math.round(level)))];
      })
      .join('');
    const label = row === height - 1 ? format(max) : row === 0 ? format(min) : '';
    rows.push(`${label.padStart(10)} │${line}`);
  }
  const axis = Array.from({ length: width }, () => '─');
  for (const m of marks) axis[Math.min(width - 1, Math.floor((m.t / end) * width))] = m.label;
  rows.push(`${''.padStart(10)} └${axis.join('')}`);
  rows.push(`${''.padStart(10)}  0 s${`${Math.round(end)} s`.padStart(width - 3)}`);
  return rows.join('\n');
}
