import { setTimeout as sleep } from 'node:timers/promises';
import { FaultClient, succeeded } from '../kit/faults';
import { countStatus, runLoad, startLoad, type LoadOptions } from '../kit/load';
import { freshDatabase } from '../kit/postgres';
import type { BenchContext } from './context';
import { figure, SECTION_TITLES, type SectionResult } from './results';
import type { ServerHandle } from './servers';
import { summarize } from './stats';
import { withTransferLoads } from './transfers';

/** The breaker's settings while it is timed: the defaults of app/risk/policies.ts, restated for the setup text. */
const HALF_OPEN_MS = 5_000;
/** A light load keeps calls flowing while the breaker is timed (it only changes state on calls). */
const BREAKER_LOAD_CONNECTIONS = 4;

interface PoliciesView {
  breaker: { state: string };
}

/**
 * Part 6: transfers/s through an API that asks the risk service before each transfer, against the same
 * API without the check, in interleaved rounds of one run; then how long the breaker takes to open once
 * the risk service fails every call, and to close again once it is healthy.
 */
export async function measureDependency(ctx: BenchContext): Promise<Omit<SectionResult, 'seconds'>> {
  const { settings, progress } = ctx;
  const env = { LOG_LEVEL: 'info', SHUTDOWN_TIMEOUT_MS: '1000' };
  const servers: ServerHandle[] = [];
  try {
    const checkedDb = await freshDatabase(ctx.adminUrl);
    const risk = await ctx.servers.start('risk service', 'risk/server', { ...env, DATABASE_URL: checkedDb });
    servers.push(risk);
    const contenders = [
      {
        label: 'with the risk check',
        server: await ctx.servers.start('API with RISK_URL', 'app/server', {
          ...env,
          DATABASE_URL: checkedDb,
          RISK_URL: risk.baseUrl,
        }),
      },
      {
        label: 'without',
        server: await ctx.servers.start('API without RISK_URL', 'app/server', {
          ...env,
          DATABASE_URL: await freshDatabase(ctx.adminUrl),
        }),
      },
    ];
    servers.push(...contenders.map((c) => c.server));
    const loads = await withTransferLoads(ctx, contenders);
    for (const c of loads) await runLoad({ ...c.load, seconds: settings.warmupSeconds * 4 });

    const rate = new Map<string, number[]>(loads.map((c) => [c.label, []]));
    const ratios: number[] = [];
    for (let round = 0; round < settings.rounds; round++) {
      for (const c of loads) {
        const r = await runLoad(c.load);
        rate.get(c.label)?.push(countStatus(r, '201') / r.seconds);
        progress(
          `round ${round + 1}/${settings.rounds} ${c.label.padEnd(20)} ${(countStatus(r, '201') / r.seconds).toFixed(0).padStart(5)} transfers/s  p99 ${r.p99Ms.toFixed(1)} ms`,
        );
      }
      const [withCheck, without] = loads.map((c) => rate.get(c.label)?.at(-1) ?? NaN);
      ratios.push((withCheck ?? NaN) / (without ?? NaN));
    }

    const api = loads[0] as (typeof loads)[number];
    const opened: number[] = [];
    const closed: number[] = [];
    for (let round = 0; round < settings.rounds; round++) {
      const timing = await timeBreaker(api.server, risk, { ...api.load, connections: BREAKER_LOAD_CONNECTIONS });
      opened.push(timing.openMs);
      closed.push(timing.closeMs);
      progress(
        `breaker ${round + 1}/${settings.rounds}: open after ${timing.openMs} ms, closed ${timing.closeMs} ms after the fault ended`,
      );
    }

    return {
      id: 'dependency',
      title: SECTION_TITLES.dependency,
      setup:
        `POST /api/transfers at ${settings.connections} connections for ${settings.loadSeconds} s per round, ${settings.rounds} interleaved rounds: ` +
        'one API with RISK_URL (each transfer scored by the risk service, a process of its own, on the same PostgreSQL) and one without. ' +
        `Breaker: the risk service fails every call (error_rate 100) under ${BREAKER_LOAD_CONNECTIONS} connections of transfers, with the default policies ` +
        `(opens above 50% failed attempts once 10 are in its 10 s window; probes after ${HALF_OPEN_MS / 1000} s); GET /api/policies polled every 20 ms.`,
      figures: [
        ...loads.map((c) => figure(`transfers/s (201) · ${c.label}`, 'tx/s', rate.get(c.label) ?? [], 0)),
        figure('transfers/s with the check / without (same round)', 'ratio', ratios, 2),
        figure('breaker: fault injected -> open', 'ms', opened, 0),
        figure('breaker: fault removed -> closed', 'ms', closed, 0),
      ],
      notes: [
        `The check costs one HTTP round trip and one INSERT per transfer: median ratio ${summarize(ratios).median.toFixed(2)}.`,
        `Closing waits for the half-open probe: at least ${HALF_OPEN_MS} ms after the breaker opened, then the next call.`,
      ],
    };
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
}

/** Fault on until the breaker opens, fault off until it closes, under a light load of transfers; both in ms. */
async function timeBreaker(
  api: ServerHandle,
  risk: ServerHandle,
  load: LoadOptions,
): Promise<{ openMs: number; closeMs: number }> {
  const faults = new FaultClient(risk.baseUrl);
  succeeded(await new FaultClient(api.baseUrl).setPolicies(), 'POST /api/policies/reset');
  const running = startLoad({ ...load, seconds: 60 });
  try {
    await sleep(500);
    const injected = Date.now();
    succeeded(await faults.inject({ error_rate: 100 }, 60), 'POST /api/failures');
    await waitForBreaker(api, 'open', 20_000);
    const openMs = Date.now() - injected;
    const removed = Date.now();
    succeeded(await faults.reset(), 'POST /api/reset');
    await waitForBreaker(api, 'closed', 30_000);
    return { openMs, closeMs: Date.now() - removed };
  } finally {
    await running.stop().catch(() => undefined);
    await faults.reset().catch(() => undefined);
  }
}

async function waitForBreaker(api: ServerHandle, state: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const current = async () =>
    ((await (await fetch(`${api.baseUrl}/api/policies`)).json()) as PoliciesView).breaker.state;
  while ((await current()) !== state) {
    if (Date.now() > deadline) throw new Error(`the breaker did not become ${state} within ${timeoutMs} ms`);
    await sleep(20);
  }
}
