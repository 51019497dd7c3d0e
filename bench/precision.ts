import { setTimeout as sleep } from 'node:timers/promises';
import { freshDatabase } from '../kit/postgres';
import { parseExposition, sampleSum } from '../kit/exposition';
import { FaultClient, succeeded, type FaultChange } from '../kit/faults';
import type { BenchContext } from './context';
import { countStatus, percentile, runLoad } from '../kit/load';
import { waitUntil } from '../kit/wait';
import { figure, SECTION_TITLES, type Figure, type SectionResult } from './results';
import type { ServerHandle } from './servers';
import { probe } from './probe';
import { binomialZ, summarize } from './stats';

const LATENCIES_MS = [50, 200, 1000];
const ERROR_RATES = [10, 30];
/** Responses per error-share run: "a few thousand". */
const ERROR_SAMPLE = 3000;
const LEAK_MB = 2;
const CAP_MB = 128;
/** Requests before the cap (LEAK_REQUESTS × LEAK_MB < CAP_MB), then as many again to run into it. */
const LEAK_REQUESTS = 50;
const MB = 1024 * 1024;
/** How long RSS may take to fall after a reset before we stop waiting. */
const RELEASE_WAIT_S = 5;
const ROUTE = '/api/balance';
/** Evenly paced requests, far below saturation: 40 samples per setting. */
const LATENCY_LOAD = { rate: 20, seconds: 2 };

/** Faults the benchmark sets expire by themselves (600 s) should it die before its reset. */
const EXPIRY_SECONDS = 600;
const faults = (server: ServerHandle) => new FaultClient(server.baseUrl);
const set = async (server: ServerHandle, change: FaultChange) =>
  succeeded(await faults(server).inject(change, EXPIRY_SECONDS), 'POST /api/failures');
const reset = async (server: ServerHandle) => succeeded(await faults(server).reset(), 'POST /api/reset');

/** Part 3: does each fault do what it is set to? Latency added, error share, memory leaked and its cap. */
export async function measurePrecision(ctx: BenchContext): Promise<Omit<SectionResult, 'seconds'>> {
  const env = {
    DATABASE_URL: await freshDatabase(ctx.adminUrl),
    LOG_LEVEL: 'info',
    SHUTDOWN_TIMEOUT_MS: '1000',
    MEMORY_LEAK_CAP_MB: String(CAP_MB),
  };
  const leak = await memoryLeak(ctx, env);
  const server = await ctx.servers.start('full app', 'app/server', env);
  try {
    await runLoad({
      url: `${server.baseUrl}${ROUTE}`,
      connections: ctx.settings.connections,
      seconds: ctx.settings.warmupSeconds,
      signal: ctx.signal,
    });
    const figures = [...(await latency(ctx, server)), ...(await errorShare(ctx, server)), ...leak];
    return {
      id: 'precision',
      title: SECTION_TITLES.precision,
      setup:
        `The full app (its own process) on GET ${ROUTE}. Added latency = p50 with the fault − p50 without it, each over ` +
        `${LATENCY_LOAD.rate * LATENCY_LOAD.seconds} evenly paced requests (${LATENCY_LOAD.rate} req/s, far below saturation); error share over ` +
        `≥ ${ERROR_SAMPLE} responses per run; memory leak of ${LEAK_MB} MB per request with MEMORY_LEAK_CAP_MB=${CAP_MB}, requests sent one at a time, ` +
        'each run on a fresh process (RSS then starts from the same allocator state).',
      figures,
      notes: [
        'Latency target: within 5 % or 10 ms of the setting, whichever is larger, in every run.',
        'Error-share target: within 3 binomial standard deviations of the setting in every run (|z| ≤ 3).',
        'Leak target: leaked bytes per request within 10 % of the setting (the gauge in every run, RSS on the median); at the cap, fintech_fault_leaked_bytes ≤ cap and RSS growth ≤ cap + 10 %.',
      ],
    };
  } finally {
    await faults(server)
      .reset()
      .catch(() => undefined);
    await server.stop();
  }
}

async function latency(ctx: BenchContext, server: ServerHandle): Promise<Figure[]> {
  const base = [] as number[];
  const added = new Map<number, number[]>(LATENCIES_MS.map((l) => [l, []]));
  const load = async () => {
    const r = await probe(`${server.baseUrl}${ROUTE}`, { ...LATENCY_LOAD, signal: ctx.signal });
    if (r.errors > 0 || (r.statuses['200'] ?? 0) !== r.latenciesMs.length)
      throw new Error(`latency probe: ${r.errors} errors, statuses ${JSON.stringify(r.statuses)}`);
    return { p50Ms: percentile(r.latenciesMs, 0.5), responses: r.latenciesMs.length };
  };
  for (let run = 0; run < ctx.settings.runs; run++) {
    await reset(server);
    const p50 = (await load()).p50Ms;
    base.push(p50);
    for (const ms of LATENCIES_MS) {
      await set(server, { latency_ms: ms });
      const r = await load();
      await reset(server);
      added.get(ms)?.push(r.p50Ms - p50);
      ctx.progress(
        `run ${run + 1}/${ctx.settings.runs} latency_ms ${String(ms).padStart(4)}: p50 ${r.p50Ms.toFixed(1)} ms, baseline ${p50.toFixed(1)} ms, added ${(r.p50Ms - p50).toFixed(1)} ms (${r.responses} responses)`,
      );
    }
  }
  return [
    figure('latency fault off · p50', 'ms', base, 1),
    ...LATENCIES_MS.map((ms) => {
      const values = added.get(ms) ?? [];
      const tolerance = Math.max(0.05 * ms, 10);
      return figure(`latency_ms ${ms} · added p50`, 'ms', values, 1, {
        text: `${ms} ± ${tolerance} ms`,
        met: values.every((v) => Math.abs(v - ms) <= tolerance),
      });
    }),
  ];
}

async function errorShare(ctx: BenchContext, server: ServerHandle): Promise<Figure[]> {
  const figures: Figure[] = [];
  for (const rate of ERROR_RATES) {
    const shares: number[] = [];
    const zs: number[] = [];
    for (let run = 0; run < ctx.settings.runs; run++) {
      await set(server, { error_rate: rate });
      const r = await runLoad({
        url: `${server.baseUrl}${ROUTE}`,
        connections: ctx.settings.connections,
        seconds: 15,
        maxResponses: ERROR_SAMPLE,
        signal: ctx.signal,
      });
      await reset(server);
      const injected = countStatus(r, '500');
      const share = injected / r.responses;
      const z = binomialZ(share, r.responses, rate / 100);
      shares.push(share * 100);
      zs.push(Math.abs(z));
      ctx.progress(
        `run ${run + 1}/${ctx.settings.runs} error_rate ${rate}: ${injected}/${r.responses} = ${(share * 100).toFixed(2)} % (z ${z.toFixed(2)})`,
      );
      if (r.responses - injected - countStatus(r, '200') > 0)
        throw new Error(`error_rate ${rate}: responses other than 200 and 500: ${JSON.stringify(r.statuses)}`);
    }
    figures.push(
      figure(`error_rate ${rate} · observed share`, '%', shares, 2),
      figure(`error_rate ${rate} · |z| (distance in standard deviations)`, 'sd', zs, 2, {
        text: '≤ 3',
        met: zs.every((z) => z <= 3),
      }),
    );
  }
  return figures;
}

async function memoryLeak(ctx: BenchContext, env: Record<string, string>): Promise<Figure[]> {
  const perRequestGauge: number[] = [];
  const perRequestRss: number[] = [];
  const atCapGauge: number[] = [];
  const atCapRss: number[] = [];
  const released: number[] = [];
  const releaseSeconds: number[] = [];
  let consistent = true;
  for (let run = 0; run < ctx.settings.runs; run++) {
    const server = await ctx.servers.start('full app', 'app/server', env);
    const send = async (n: number) => {
      for (let i = 0; i < n; i++) await (await fetch(`${server.baseUrl}${ROUTE}`)).arrayBuffer();
    };
    const rss = () => server.rssBytes() ?? NaN;
    await primeGarbageCollection(server);
    const rss0 = rss();
    await set(server, { memory_leak_mb: LEAK_MB });
    await send(LEAK_REQUESTS);
    const before = await faults(server).view();
    const gauge = sampleSum(
      parseExposition(await (await fetch(`${server.baseUrl}/metrics`)).text()),
      'fintech_fault_leaked_bytes',
    );
    if (gauge !== Number(before.leaked_bytes)) consistent = false;
    perRequestGauge.push(Number(before.leaked_bytes) / LEAK_REQUESTS / MB);
    perRequestRss.push((rss() - rss0) / LEAK_REQUESTS / MB);

    await send(LEAK_REQUESTS);
    const capped = await faults(server).view();
    atCapGauge.push(Number(capped.leaked_bytes) / MB);
    const rssAtCap = rss();
    atCapRss.push((rssAtCap - rss0) / MB);
    // The leak's summary and release are spread into the answers (the engine types them as unknown).
    const released_bytes = Number((await reset(server)).released_bytes);
    const back = await rssGivenBack(() => rssAtCap - rss(), released_bytes);
    released.push(back.bytes / MB);
    releaseSeconds.push(back.seconds);
    ctx.progress(
      `run ${run + 1}/${ctx.settings.runs} memory_leak_mb ${LEAK_MB}: ${(Number(before.leaked_bytes) / MB).toFixed(1)} MB after ${LEAK_REQUESTS} requests ` +
        `(RSS +${((perRequestRss.at(-1) as number) * LEAK_REQUESTS).toFixed(1)} MB); after ${2 * LEAK_REQUESTS}: ${(Number(capped.leaked_bytes) / MB).toFixed(1)} MB, ` +
        `${Number(capped.faults.memory_leak.capped_requests ?? NaN)} capped; reset released ${(released_bytes / MB).toFixed(0)} MB, ` +
        `RSS ${(released.at(-1) as number).toFixed(0)} MB lower after ${(releaseSeconds.at(-1) as number).toFixed(1)} s`,
    );
    await server.stop();
  }
  const within = (values: number[], expected: number) => values.every((v) => Math.abs(v - expected) <= 0.1 * expected);
  const figures = [
    figure(`memory_leak_mb ${LEAK_MB} · leaked per request (fintech_fault_leaked_bytes)`, 'MB', perRequestGauge, 3, {
      text: `${LEAK_MB} ± 10 %`,
      met: within(perRequestGauge, LEAK_MB) && consistent,
    }),
    // RSS also moves with whatever else the process frees or maps meanwhile: judged on the median.
    figure(`memory_leak_mb ${LEAK_MB} · RSS growth per request`, 'MB', perRequestRss, 3, {
      text: `${LEAK_MB} ± 10 % (median)`,
      met: within([summarize(perRequestRss).median], LEAK_MB),
    }),
    figure(
      `memory_leak_mb ${LEAK_MB} · leaked after ${2 * LEAK_REQUESTS} requests (cap ${CAP_MB} MB)`,
      'MB',
      atCapGauge,
      1,
      {
        text: `≤ ${CAP_MB}`,
        met: atCapGauge.every((v) => v <= CAP_MB),
      },
    ),
    figure(`memory_leak_mb ${LEAK_MB} · RSS growth after ${2 * LEAK_REQUESTS} requests`, 'MB', atCapRss, 1, {
      text: `≤ ${CAP_MB * 1.1}`,
      met: atCapRss.every((v) => v <= CAP_MB * 1.1),
    }),
    figure(`memory_leak reset · RSS given back (within ${RELEASE_WAIT_S} s)`, 'MB', released, 1),
    figure('memory_leak reset · time until RSS fell by 90 % of the leak', 's', releaseSeconds, 1),
  ];
  return figures;
}

/**
 * Resetting a leak makes the app run a full garbage collection (app/faults/memory-leak.ts): a tiny
 * leak and a reset give a settled heap, so RSS growth afterwards is the leak, not the collector.
 */
async function primeGarbageCollection(server: ServerHandle): Promise<void> {
  await set(server, { memory_leak_mb: 0.01 });
  await (await fetch(`${server.baseUrl}${ROUTE}`)).arrayBuffer();
  await reset(server);
  await sleep(300);
}

/** Polls until RSS fell by 90 % of what the reset released, or RELEASE_WAIT_S passed; returns how much and when. */
async function rssGivenBack(drop: () => number, releasedBytes: number): Promise<{ bytes: number; seconds: number }> {
  const started = Date.now();
  const enough = (bytes: number) => bytes >= 0.9 * releasedBytes;
  const bytes = await waitUntil('RSS to fall', drop, {
    until: enough,
    timeoutMs: RELEASE_WAIT_S * 1000,
    intervalMs: 100,
  }).catch(() => drop());
  return { bytes, seconds: enough(bytes) ? (Date.now() - started) / 1000 : NaN };
}
