import { randomBytes } from 'node:crypto';
import { freshDatabase } from '../kit/postgres';
import { parseExposition } from '../kit/exposition';
import type { BenchContext } from './context';
import { countStatus, percentile, runLoad } from '../kit/load';
import { figure, SECTION_TITLES, type SectionResult } from './results';

const UNKNOWN_REQUESTS = 10_000;
const SCRAPES = 20;
/** Every unknown URL shares one `endpoint="unmatched"` label value: a flood may add one label set's series, no more. */
const MAX_ADDED_SERIES = 50;
/** What Prometheus 2.x sends: it prefers OpenMetrics, which prom-client renders on a separate, serialised path. */
const PROMETHEUS_ACCEPT = 'application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

/** Part 4: /metrics response time and series count, before and after 10,000 requests to random unknown URLs. */
export async function measureScrape(ctx: BenchContext): Promise<Omit<SectionResult, 'seconds'>> {
  const server = await ctx.servers.start('full app', 'app/server', {
    DATABASE_URL: await freshDatabase(ctx.adminUrl),
    LOG_LEVEL: 'info',
    SHUTDOWN_TIMEOUT_MS: '1000',
  });
  try {
    // Ordinary traffic first, so the ordinary series exist before the flood.
    for (const route of ['/api/balance', '/livez', '/health']) {
      await runLoad({
        url: `${server.baseUrl}${route}`,
        connections: ctx.settings.connections,
        seconds: 1,
        signal: ctx.signal,
      });
    }
    const timeScrapes = async (accept: string) => {
      const times: number[] = [];
      let text = '';
      for (let i = 0; i < SCRAPES; i++) {
        const started = process.hrtime.bigint();
        const res = await fetch(`${server.baseUrl}/metrics`, { headers: { accept } });
        text = await res.text();
        times.push(Number(process.hrtime.bigint() - started) / 1e6);
      }
      return { p50: percentile(times, 0.5), series: parseExposition(text).length, kb: Buffer.byteLength(text) / 1024 };
    };

    const first = await timeScrapes('text/plain');
    const series = [first.series];
    const added: number[] = [];
    const textMs: number[] = [];
    const openMetricsMs: number[] = [];
    const kb: number[] = [];
    const beforeMs = first.p50;
    const beforeOpenMetrics = (await timeScrapes(PROMETHEUS_ACCEPT)).p50;
    for (let run = 0; run < ctx.settings.runs; run++) {
      const flood = await runLoad({
        url: server.baseUrl,
        requests: [
          { method: 'GET', path: () => `/bench/${randomBytes(6).toString('hex')}/${randomBytes(4).toString('hex')}` },
        ],
        connections: ctx.settings.connections,
        seconds: 30,
        maxResponses: UNKNOWN_REQUESTS,
        signal: ctx.signal,
      });
      if (countStatus(flood, '404') < UNKNOWN_REQUESTS)
        throw new Error(
          `only ${countStatus(flood, '404')} of ${UNKNOWN_REQUESTS} unknown URLs answered 404: ${JSON.stringify(flood.statuses)}`,
        );
      const text = await timeScrapes('text/plain');
      const om = await timeScrapes(PROMETHEUS_ACCEPT);
      added.push(text.series - (series.at(-1) as number));
      series.push(text.series);
      textMs.push(text.p50);
      openMetricsMs.push(om.p50);
      kb.push(text.kb);
      ctx.progress(
        `run ${run + 1}/${ctx.settings.runs} after ${(run + 1) * UNKNOWN_REQUESTS} unknown URLs (${flood.rps.toFixed(0)} req/s): ` +
          `${text.series} series (+${added.at(-1)}), /metrics p50 ${text.p50.toFixed(2)} ms text, ${om.p50.toFixed(2)} ms OpenMetrics, ${text.kb.toFixed(0)} KiB`,
      );
    }
    const totalAdded = (series.at(-1) as number) - first.series;
    return {
      id: 'scrape',
      title: SECTION_TITLES.scrape,
      setup:
        `The full app after ordinary traffic; each run sends ${UNKNOWN_REQUESTS.toLocaleString('en-US')} requests to random unknown URLs, then times ${SCRAPES} sequential scrapes ` +
        '(median per run) in the Prometheus text format and in OpenMetrics (what Prometheus 2.x asks for).',
      figures: [
        figure('/metrics before the flood · text format', 'ms', [beforeMs], 2),
        figure('/metrics before the flood · OpenMetrics', 'ms', [beforeOpenMetrics], 2),
        figure(
          `/metrics after each ${UNKNOWN_REQUESTS.toLocaleString('en-US')} unknown URLs · text format`,
          'ms',
          textMs,
          2,
        ),
        figure(
          `/metrics after each ${UNKNOWN_REQUESTS.toLocaleString('en-US')} unknown URLs · OpenMetrics`,
          'ms',
          openMetricsMs,
          2,
        ),
        figure('/metrics body size after the flood', 'KiB', kb, 0),
        figure('series before the flood', 'series', [first.series], 0),
        figure(`series added by each ${UNKNOWN_REQUESTS.toLocaleString('en-US')} unknown URLs`, 'series', added, 0, {
          text: `≤ ${MAX_ADDED_SERIES} in total`,
          met: totalAdded <= MAX_ADDED_SERIES,
        }),
      ],
      notes: [
        `${ctx.settings.runs * UNKNOWN_REQUESTS} unknown URLs in all added ${totalAdded} series: every unknown path is counted under endpoint="unmatched".`,
      ],
    };
  } finally {
    await server.stop();
  }
}
