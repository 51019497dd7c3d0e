import { runLoad, percentile } from '../kit/load';
import { freshDatabase } from '../kit/postgres';
import { waitUntil } from '../kit/wait';
import { replicaLayout } from '../stack/haproxy';
import { findExecutable, TOOLS } from '../stack/tools';
import type { BenchContext } from './context';
import { figure, SECTION_TITLES, type SectionResult } from './results';
import { compiled } from './servers';

const CHANGES = 100;
const REPLICAS = 3;

async function appliedVersion(url: string): Promise<number> {
  return ((await (await fetch(`${url}/api/failures`)).json()) as { version: number }).version;
}

/** HAProxy answers as soon as one replica does: wait until each replica answers itself. */
async function allAnswering(urls: string[], signal: AbortSignal): Promise<void> {
  for (const url of urls)
    await waitUntil(`${url} to answer`, () => appliedVersion(url), { until: () => true, timeoutMs: 30_000, signal });
}

/**
 * Part 6: three replicas behind HAProxy on one database (stack/api-replicas.ts, what `make up REPLICAS=3` runs).
 * Propagation: from POST /api/failures answered to every replica applying that version (each polled every 2 ms).
 * The hop: GET /api/balance through HAProxy to one replica over the same replica directly, alternating.
 */
export async function measureReplicas(ctx: BenchContext): Promise<Omit<SectionResult, 'seconds'>> {
  const haproxy = findExecutable(TOOLS.haproxy);
  const base = { id: 'replicas' as const, title: SECTION_TITLES.replicas, setup: '', figures: [], notes: [] };
  if (!haproxy) return { ...base, skipped: 'haproxy is not installed (scripts/ensure-tools.sh installs it)' };
  const databaseUrl = await freshDatabase(ctx.adminUrl);
  const start = (count: number) =>
    ctx.servers.start(`${count} replica(s) behind HAProxy`, 'stack/api-replicas', {
      DATABASE_URL: databaseUrl,
      LOG_LEVEL: 'warn',
      REPLICAS: String(count),
      REPLICAS_DIR: `${ctx.postgresDataDir || '/tmp'}-haproxy-${count}`,
      API_COMMAND: JSON.stringify([process.execPath, compiled('app/server')]),
      HAPROXY_BIN: haproxy,
      FAULT_STORE_REFRESH_MS: '2000',
    });

  const group = await start(REPLICAS);
  const replicas = replicaLayout(Number(new URL(group.baseUrl).port), REPLICAS).replicas.map(
    (r) => `http://127.0.0.1:${r.port}`,
  );
  const propagation: number[] = [];
  try {
    await allAnswering(replicas, ctx.signal);
    for (let i = 0; i < CHANGES && !ctx.signal.aborted; i++) {
      const res = await fetch(`${group.baseUrl}/api/failures`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(i % 2 === 0 ? { latency_ms: 1 + (i % 7) } : { latency_ms: 0 }),
      });
      const { version } = (await res.json()) as { version: number };
      const answered = performance.now();
      await Promise.all(
        replicas.map((url) =>
          waitUntil(`${url} to apply version ${version}`, () => appliedVersion(url), {
            until: (applied) => applied >= version,
            timeoutMs: 5_000,
            intervalMs: 2,
          }),
        ),
      );
      propagation.push(performance.now() - answered);
    }
  } finally {
    await group.stop();
  }
  ctx.progress(`propagation over ${propagation.length} changes: median ${percentile(propagation, 0.5).toFixed(1)} ms`);

  const single = await start(1);
  const ratios: number[] = [];
  try {
    const direct = replicaLayout(Number(new URL(single.baseUrl).port), 1).replicas[0]!;
    await allAnswering([`http://127.0.0.1:${direct.port}`], ctx.signal);
    const load = (url: string) =>
      runLoad({
        url: `${url}/api/balance`,
        connections: ctx.settings.connections,
        seconds: ctx.settings.loadSeconds,
        signal: ctx.signal,
      });
    await load(single.baseUrl);
    for (let run = 0; run < ctx.settings.runs; run++) {
      const through = await load(single.baseUrl);
      const straight = await load(`http://127.0.0.1:${direct.port}`);
      ratios.push(through.rps / straight.rps);
      ctx.progress(
        `run ${run + 1}: ${through.rps.toFixed(0)} req/s through HAProxy, ${straight.rps.toFixed(0)} direct`,
      );
    }
  } finally {
    await single.stop();
  }
  const median = percentile(propagation, 0.5);
  const max = Math.max(...propagation);
  return {
    ...base,
    setup: `${REPLICAS} API replicas (FAULT_STORE=postgres) behind HAProxy; ${propagation.length} fault changes through HAProxy, each replica polled every 2 ms; then GET /api/balance, ${ctx.settings.connections} connections, ${ctx.settings.loadSeconds} s per run, through HAProxy and directly to the same single replica.`,
    figures: [
      figure('propagation to every replica, median', 'ms', [median], 1, { text: '< 100', met: median < 100 }),
      figure('propagation to every replica, max', 'ms', [max], 1, { text: '< 1000', met: max < 1000 }),
      figure('requests/s through HAProxy ÷ direct (one replica)', 'ratio', ratios, 2),
    ],
  };
}
