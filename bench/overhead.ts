import { freshDatabase } from '../kit/postgres';
import type { BenchContext } from './context';
import { runLoad } from '../kit/load';
import { figure, SECTION_TITLES, type Figure, type SectionResult } from './results';
import { paired, summarize } from './stats';
import type { ServerHandle } from './servers';

/** The same answers served four ways, from the whole kit with every request traced down to the bare runtime. */
const VARIANTS = [
  { id: 'full', label: 'full app', source: 'app/server' },
  { id: 'traced', label: 'full app, traces exported', source: 'app/server' },
  { id: 'plain', label: 'app without instrumentation', source: 'bench/targets/plain-app' },
  { id: 'bare', label: 'bare node:http', source: 'bench/targets/bare-http' },
] as const;
type VariantId = (typeof VARIANTS)[number]['id'];

const ROUTES = ['/api/balance', '/livez'] as const;
const TARGET_RATIO = 0.85;
/** With every request traced and exported, the cost of full traces is accepted down to this. */
const TRACED_TARGET_RATIO = 0.6;

/** Part 1: throughput and p99 at zero faults, full app against the same app uninstrumented and bare node:http. */
export async function measureOverhead(ctx: BenchContext): Promise<Omit<SectionResult, 'seconds'>> {
  const { settings, progress } = ctx;
  const databaseUrl = await freshDatabase(ctx.adminUrl);
  const appEnv = { DATABASE_URL: databaseUrl, LOG_LEVEL: 'info', SHUTDOWN_TIMEOUT_MS: '1000' };
  const servers = new Map<VariantId, ServerHandle>();
  let sink: ServerHandle | undefined;
  try {
    sink = await ctx.servers.start('OTLP sink', 'bench/targets/otlp-sink', {});
    const envOf = (id: VariantId) =>
      id === 'traced' ? { ...appEnv, OTEL_EXPORTER_OTLP_ENDPOINT: (sink as ServerHandle).baseUrl } : appEnv;
    for (const v of VARIANTS.filter((v) => v.id !== 'bare'))
      servers.set(v.id, await ctx.servers.start(v.label, v.source, envOf(v.id)));
    const balanceBody = await (await fetch(`${(servers.get('full') as ServerHandle).baseUrl}/api/balance`)).text();
    servers.set(
      'bare',
      await ctx.servers.start('bare node:http', 'bench/targets/bare-http', { BENCH_BALANCE_BODY: balanceBody }),
    );
    progress(
      `${servers.size} servers and the OTLP sink up (pids ${[...servers.values()].map((s) => s.pid).join(', ')}); warming up ${settings.warmupSeconds} s each`,
    );

    for (const route of ROUTES) {
      for (const v of VARIANTS) {
        await runLoad({
          url: url(servers, v.id, route),
          connections: settings.connections,
          seconds: settings.warmupSeconds,
          signal: ctx.signal,
        });
      }
    }

    const rps = new Map<string, number[]>();
    const p99 = new Map<string, number[]>();
    const cpu = new Map<string, number[]>();
    const key = (route: string, id: VariantId) => `${route} ${id}`;
    for (let round = 0; round < settings.rounds; round++) {
      for (const route of ROUTES) {
        // A different order each round, so no variant always runs right after the same neighbour.
        const order = VARIANTS.map((_, i) => VARIANTS[(i + round) % VARIANTS.length] as (typeof VARIANTS)[number]);
        for (const v of order) {
          const server = servers.get(v.id) as ServerHandle;
          const cpuBefore = server.cpuSeconds();
          const r = await runLoad({
            url: url(servers, v.id, route),
            connections: settings.connections,
            seconds: settings.loadSeconds,
            signal: ctx.signal,
          });
          const cpuUs = ((server.cpuSeconds() - cpuBefore) / r.responses) * 1e6;
          const failed = r.responses - (r.statuses['200'] ?? 0);
          if (failed > 0 || r.errors > 0)
            throw new Error(`${v.label} GET ${route}: ${failed} non-200 responses, ${r.errors} errors`);
          push(rps, key(route, v.id), r.rps);
          push(p99, key(route, v.id), r.p99Ms);
          push(cpu, key(route, v.id), cpuUs);
          progress(
            `round ${round + 1}/${settings.rounds} GET ${route.padEnd(12)} ${v.label.padEnd(28)} ${r.rps.toFixed(0).padStart(6)} req/s  p99 ${r.p99Ms.toFixed(1).padStart(5)} ms  ${cpuUs.toFixed(0).padStart(4)} µs CPU/req`,
          );
        }
      }
    }

    const figures: Figure[] = [];
    for (const route of ROUTES) {
      for (const v of VARIANTS)
        figures.push(figure(`GET ${route} · ${v.label} · req/s`, 'req/s', rps.get(key(route, v.id)) ?? [], 0));
      for (const v of VARIANTS)
        figures.push(figure(`GET ${route} · ${v.label} · p99`, 'ms', p99.get(key(route, v.id)) ?? [], 1));
      for (const v of VARIANTS)
        figures.push(
          figure(`GET ${route} · ${v.label} · server CPU per request`, 'µs', cpu.get(key(route, v.id)) ?? [], 0),
        );
      const ratio = (a: VariantId, b: VariantId) => paired(rps.get(key(route, a)) ?? [], rps.get(key(route, b)) ?? []);
      const fullToPlain = ratio('full', 'plain');
      figures.push(
        figure(`GET ${route} · full app ÷ app without instrumentation`, '×', fullToPlain, 2, {
          text: `≥ ${TARGET_RATIO} (median)`,
          met: summarize(fullToPlain).median >= TARGET_RATIO,
        }),
      );
      const tracedToPlain = ratio('traced', 'plain');
      figures.push(
        figure(`GET ${route} · full app, traces exported ÷ app without instrumentation`, '×', tracedToPlain, 2, {
          text: `≥ ${TRACED_TARGET_RATIO} (median)`,
          met: summarize(tracedToPlain).median >= TRACED_TARGET_RATIO,
        }),
      );
      // CPU per request does not depend on who else uses the machine: the overhead as the server pays it.
      const cpuRatio = paired(cpu.get(key(route, 'plain')) ?? [], cpu.get(key(route, 'full')) ?? []);
      figures.push(
        figure(`GET ${route} · CPU/request: app without instrumentation ÷ full app`, '×', cpuRatio, 2, {
          text: `≥ ${TARGET_RATIO} (median)`,
          met: summarize(cpuRatio).median >= TARGET_RATIO,
        }),
      );
      figures.push(figure(`GET ${route} · full app ÷ bare node:http`, '×', ratio('full', 'bare'), 2));
      figures.push(
        figure(`GET ${route} · app without instrumentation ÷ bare node:http`, '×', ratio('plain', 'bare'), 2),
      );
    }
    return {
      id: 'overhead',
      title: SECTION_TITLES.overhead,
      setup:
        `Each variant is its own process; autocannon runs in the benchmark process with ${settings.connections} connections, ` +
        `${settings.loadSeconds} s per run after ${settings.warmupSeconds} s of warm-up, ${settings.rounds} interleaved rounds. ` +
        'Ratios are paired per round. The full app logs every request at info level (JSON to a /dev/null stdout). ' +
        '"Traces exported" is the same app with OTEL_EXPORTER_OTLP_ENDPOINT set: every request traced (a server span and its query spans) and sent to a sink process that drops them.',
      figures,
      notes: [
        'Load generator and server share the 2 cores: the bare server is limited by autocannon as much as by itself.',
        '"app without instrumentation" is bench/targets/plain-app.ts: the same routes, services and database path with no tracing, request metrics, request logs, request ids or fault middleware.',
      ],
    };
  } finally {
    await Promise.all([...servers.values(), ...(sink ? [sink] : [])].map((s) => s.stop()));
  }
}

function url(servers: Map<VariantId, ServerHandle>, id: VariantId, route: string): string {
  return `${(servers.get(id) as ServerHandle).baseUrl}${route}`;
}

function push(map: Map<string, number[]>, key: string, value: number): void {
  map.set(key, [...(map.get(key) ?? []), value]);
}
