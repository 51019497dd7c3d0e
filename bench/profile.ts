import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTemplate, freshDatabase, startEmbeddedPostgres } from '../kit/postgres';
import { runLoad, type LoadOptions } from '../kit/load';
import { ServerProcesses, type ServerHandle } from './servers';
import { openAccounts, transferLoad } from './transfers';

/**
 * Where the full app spends its CPU: runs dist/app/server.js with --cpu-prof under 10 connections of
 * load on one route, then prints the functions with the most self time, and the same by package.
 *   node --import tsx bench/profile.ts [/api/balance|/livez|/api/transfers] [--traced] [--seconds N]
 * /api/transfers sends the bench's transfer load (POST between random accounts it opens first).
 * --traced exports every span (to a sink process that drops them), as with Jaeger configured.
 * --compare profiles the app without instrumentation under the same load too, and prints CPU per request
 * by function for both and their difference: where the instrumentation's cost goes (module loading and
 * idle time left out).
 */

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

const args = process.argv.slice(2);
const route = args.find((a) => a.startsWith('/')) ?? '/api/balance';
const traced = args.includes('--traced');
const seconds = Number(args[args.indexOf('--seconds') + 1]) || 5;
const compare = args.includes('--compare');

function where(url: string): string {
  if (!url) return '(native / V8)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (pkg) return pkg;
  if (url.startsWith('node:')) return 'node core';
  return url.includes('/dist/') ? `app (${url.slice(url.indexOf('/dist/') + 6)})` : url;
}

/** Each node's caller, by node id. */
function parents(nodes: ProfileNode[]): Map<number, ProfileNode> {
  const parentOf = new Map<number, ProfileNode>();
  for (const n of nodes) for (const child of n.children ?? []) parentOf.set(child, n);
  return parentOf;
}

/** A function as the tables name it: its name, package or app file, and line. */
function frameKey(n: ProfileNode): string {
  const { functionName, url, lineNumber } = n.callFrame;
  return `${functionName || '(anonymous)'} · ${where(url)}${url ? `:${lineNumber + 1}` : ''}`;
}

function summarize(file: string): string {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as { nodes: ProfileNode[] };
  const total = profile.nodes.reduce((sum, n) => sum + (n.hitCount ?? 0), 0);
  const byFunction = new Map<string, number>();
  const byPackage = new Map<string, number>();
  const onStack = new Map<string, number>();
  const parentOf = parents(profile.nodes);
  for (const n of profile.nodes) {
    const hits = n.hitCount ?? 0;
    if (hits === 0) continue;
    const { url } = n.callFrame;
    const key = frameKey(n);
    byFunction.set(key, (byFunction.get(key) ?? 0) + hits);
    byPackage.set(where(url), (byPackage.get(where(url)) ?? 0) + hits);
    // Inclusive: the sample counts once for every package or app file on its stack (async hooks included).
    const seen = new Set<string>();
    for (let up: ProfileNode | undefined = n; up; up = parentOf.get(up.id)) {
      const at = up.callFrame.url;
      if (at.includes('async_hooks')) seen.add('async hooks (context propagation)');
      else if (at && !at.startsWith('node:')) seen.add(where(at));
    }
    for (const k of seen) onStack.set(k, (onStack.get(k) ?? 0) + hits);
  }
  const table = (title: string, map: Map<string, number>, top: number, column = 'self time') =>
    [
      `| ${title} | ${column} |`,
      '|---|---:|',
      ...[...map]
        .sort((a, b) => b[1] - a[1])
        .slice(0, top)
        .map(([k, v]) => `| ${k.replace(/\|/g, '\\|')} | ${((v / total) * 100).toFixed(1)} % |`),
    ].join('\n');
  return `${table('Function', byFunction, 20)}\n\n${table('Package', byPackage, 12)}\n\n${table('On the stack', onStack, 16, 'samples (inclusive)')}\n`;
}

/** Samples by function, without module loading and idle time. */
function perFunction(file: string): Map<string, number> {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as { nodes: ProfileNode[] };
  const parentOf = parents(profile.nodes);
  const hits = new Map<string, number>();
  for (const n of profile.nodes) {
    const count = n.hitCount ?? 0;
    if (count === 0 || n.callFrame.functionName === '(idle)') continue;
    let loading = false;
    for (let up: ProfileNode | undefined = n; up && !loading; up = parentOf.get(up.id))
      loading = up.callFrame.url.startsWith('node:internal/modules');
    if (loading) continue;
    const key = frameKey(n);
    hits.set(key, (hits.get(key) ?? 0) + count);
  }
  return hits;
}

interface ProfiledRun {
  file: string;
  requests: number;
  /** CPU seconds the process used while under load (from /proc: samples alone count preempted time too). */
  cpuSeconds: number;
}

/**
 * CPU µs per request by function, full app beside the app without instrumentation, largest differences
 * first. Each function's share of the samples is applied to the CPU time the process really used under load.
 */
function comparison(full: ProfiledRun, plain: ProfiledRun): string {
  const perRequest = (run: ProfiledRun) => {
    const hits = perFunction(run.file);
    const total = [...hits.values()].reduce((x, y) => x + y, 0);
    return new Map([...hits].map(([k, v]) => [k, ((v / total) * run.cpuSeconds * 1e6) / run.requests]));
  };
  const a = perRequest(full);
  const b = perRequest(plain);
  const sum = (m: Map<string, number>) => [...m.values()].reduce((x, y) => x + y, 0);
  const rows = [...new Set([...a.keys(), ...b.keys()])]
    .map((k) => [k, a.get(k) ?? 0, b.get(k) ?? 0] as const)
    .sort((x, y) => y[1] - y[2] - (x[1] - x[2]))
    .slice(0, 25);
  return [
    `CPU per request (µs, sampled; module loading and idle left out): full app ${sum(a).toFixed(0)}, without instrumentation ${sum(b).toFixed(0)}`,
    '',
    '| Function | full app | without | difference |',
    '|---|---:|---:|---:|',
    ...rows.map(
      ([k, x, y]) => `| ${k.replace(/\|/g, '\\|')} | ${x.toFixed(1)} | ${y.toFixed(1)} | ${(x - y).toFixed(1)} |`,
    ),
    '',
  ].join('\n');
}

/** The load on the route: GET, or for /api/transfers the bench's transfers between accounts opened here. */
async function loadFor(app: ServerHandle, target: string): Promise<LoadOptions> {
  if (target === '/api/transfers') return transferLoad(app, await openAccounts(app), 10, seconds);
  return { url: `${app.baseUrl}${target}`, connections: 10, seconds };
}

async function main(): Promise<void> {
  const servers = new ServerProcesses();
  const pg = await startEmbeddedPostgres();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fintech-profile-'));
  try {
    await createTemplate(pg.adminUrl);
    const env: Record<string, string> = {
      DATABASE_URL: await freshDatabase(pg.adminUrl),
      LOG_LEVEL: 'info',
      SHUTDOWN_TIMEOUT_MS: '1000',
    };
    if (traced)
      env.OTEL_EXPORTER_OTLP_ENDPOINT = (await servers.start('OTLP sink', 'bench/targets/otlp-sink', {})).baseUrl;
    const profiled = async (name: string, source: string) => {
      const out = fs.mkdtempSync(path.join(dir, 'run-'));
      const app = await servers.start(name, source, env, { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${out}`] });
      const load = await loadFor(app, route);
      const cpuBefore = app.cpuSeconds();
      const warm = await runLoad({ ...load, seconds: 1 });
      const r = await runLoad({ ...load, seconds });
      const cpuSeconds = app.cpuSeconds() - cpuBefore;
      await app.stop();
      const file = fs.readdirSync(out).find((f) => f.endsWith('.cpuprofile'));
      if (!file) throw new Error(`no profile written in ${out}`);
      return {
        file: path.join(out, file),
        rps: r.rps,
        requests: warm.responses + r.responses,
        cpuSeconds,
        method: load.requests?.[0]?.method,
      };
    };
    const full = await profiled('full app', 'app/server');
    process.stdout.write(
      `${full.method ?? 'GET'} ${route}${traced ? ', traces exported' : ''}: ${full.rps.toFixed(0)} req/s over ${seconds} s (warm-up included in the profile)\n\n${summarize(full.file)}`,
    );
    if (compare) {
      const plain = await profiled('app without instrumentation', 'bench/targets/plain-app');
      process.stdout.write(`\nWithout instrumentation: ${plain.rps.toFixed(0)} req/s\n\n${comparison(full, plain)}`);
    }
  } finally {
    await servers.stopAll();
    await pg.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
