import { queryRange } from './http.mjs';
import { el, formatValue } from './format.mjs';

const WINDOW_S = 300;
const STEP_S = 2;
const COLORS = ['#0b57d0', '#b00020', '#0a6b2d', '#8a5300', '#6a1b9a', '#00838f', '#5d4037', '#37474f'];
const HIDDEN_LABELS = new Set(['__name__', 'job']);

/** A series' name: its metric (recording-rule names shortened) and labels; `instance` only when several exist. */
function seriesName(metric, fallback, showInstance) {
  const name = (metric.__name__ ?? fallback).replace(/^fintech:/, '').replace(/:rate\w+$/, '');
  const labels = Object.entries(metric)
    .filter(([k]) => !HIDDEN_LABELS.has(k) && (showInstance || k !== 'instance'))
    .map(([k, v]) => `${k}=${v}`);
  return labels.length ? `${name} {${labels.join(', ')}}` : name;
}

/** [start, end] pairs (seconds) during which some fault was active, from the fault-window expression. */
function windowsOf(range) {
  const windows = [];
  for (const series of range.result) {
    let open;
    let last;
    for (const [t] of series.values) {
      if (open !== undefined && t - last > STEP_S * 1.5) {
        windows.push([open, last]);
        open = undefined;
      }
      open ??= t;
      last = t;
    }
    if (open !== undefined) windows.push([open, last]);
  }
  return windows;
}

function shade(windows, threshold) {
  return (u) => {
    const { ctx, bbox } = u;
    ctx.save();
    ctx.fillStyle = 'rgba(176, 0, 32, 0.12)';
    for (const [from, to] of windows()) {
      const x0 = u.valToPos(from, 'x', true);
      const x1 = u.valToPos(to + STEP_S, 'x', true);
      ctx.fillRect(
        Math.max(x0, bbox.left),
        bbox.top,
        Math.min(x1, bbox.left + bbox.width) - Math.max(x0, bbox.left),
        bbox.height,
      );
    }
    if (threshold !== undefined) {
      const y = u.valToPos(threshold, 'y', true);
      if (y >= bbox.top && y <= bbox.top + bbox.height) {
        ctx.strokeStyle = 'rgba(176, 0, 32, 0.8)';
        ctx.setLineDash([6, 4]);
        ctx.beginPath();
        ctx.moveTo(bbox.left, y);
        ctx.lineTo(bbox.left + bbox.width, y);
        ctx.stroke();
      }
    }
    ctx.restore();
  };
}

/** One chart per signal of the catalogue, with a table of the latest values beside it (what a screen reader reads). */
export function createCharts(catalogue) {
  const container = document.getElementById('charts');
  let faultWindows = [];
  const charts = catalogue.signals.map((signal) => {
    const plotBox = el('div', { class: 'plot', 'aria-hidden': 'true' });
    const latest = el('tbody');
    const figure = el(
      'figure',
      { id: `chart-${signal.id}`, 'data-signal': signal.id },
      el(
        'figcaption',
        {},
        signal.title,
        signal.threshold !== undefined ? ` (dashed: ${formatValue(signal.threshold, signal.unit)})` : '',
      ),
      plotBox,
      el('table', { class: 'latest' }, el('caption', {}, `${signal.title}: latest values`), latest),
    );
    container.append(figure);
    return { signal, plotBox, latest, plot: undefined, names: '' };
  });

  const render = (chart, ranges) => {
    const { signal } = chart;
    const start = ranges[0]?.start ?? 0;
    const end = ranges[0]?.end ?? 0;
    const xs = [];
    for (let t = start; t <= end; t += STEP_S) xs.push(t);
    const instances = new Set(ranges.flatMap((r) => r.result.map((s) => s.metric.instance)).filter(Boolean));
    const series = ranges.flatMap((r) =>
      r.result.map((s) => {
        // Prometheus answers "NaN" for a quantile or ratio without traffic: a gap, not a value uPlot could scale
        const byTime = new Map(s.values.map(([t, v]) => [t, Number.isFinite(Number(v)) ? Number(v) : null]));
        return {
          name: seriesName(s.metric, signal.title, instances.size > 1),
          values: xs.map((t) => byTime.get(t) ?? null),
        };
      }),
    );
    const names = series.map((s) => s.name).join('|');
    const data = [xs, ...series.map((s) => s.values)];
    if (chart.plot && chart.names === names) chart.plot.setData(data);
    else {
      chart.plot?.destroy();
      chart.names = names;
      chart.plot = new uPlot(
        {
          width: Math.max(chart.plotBox.clientWidth, 300),
          height: 220,
          series: [{}, ...series.map((s, i) => ({ label: s.name, stroke: COLORS[i % COLORS.length], width: 2 }))],
          axes: [{}, { values: (_u, ticks) => ticks.map((v) => formatValue(v, signal.unit)), size: 80 }],
          scales: {
            y: {
              range: (_u, min, max) => [Math.min(0, min ?? 0), Math.max(max ?? 1, signal.threshold ?? 0) * 1.1 || 1],
            },
          },
          hooks: { drawClear: [shade(() => faultWindows, signal.threshold)] },
          legend: { show: false },
        },
        data,
        chart.plotBox,
      );
    }
    chart.latest.replaceChildren(
      ...series.map((s) => {
        const last = [...s.values].reverse().find((v) => v !== null);
        return el(
          'tr',
          { 'data-series': s.name, 'data-value': last ?? '' },
          el('th', { scope: 'row' }, s.name),
          el('td', {}, formatValue(last, signal.unit)),
        );
      }),
    );
    if (series.length === 0) chart.latest.replaceChildren(el('tr', {}, el('td', {}, 'no data yet')));
  };

  window.addEventListener('resize', () => {
    for (const chart of charts) chart.plot?.setSize({ width: Math.max(chart.plotBox.clientWidth, 300), height: 220 });
  });

  /** Queries every signal and the fault windows once; throws when Prometheus does not answer. */
  return async function update() {
    faultWindows = windowsOf(await queryRange(catalogue.faultWindows, WINDOW_S, STEP_S));
    await Promise.all(
      charts.map(async (chart) =>
        render(chart, await Promise.all(chart.signal.exprs.map((e) => queryRange(e, WINDOW_S, STEP_S)))),
      ),
    );
  };
}
