import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { projectRoot } from '../../app/paths';
import { CASES } from '../../scenarios/cases';
import { FaultClient } from '../../kit/faults';
import { startLoad, type RunningLoad } from '../../kit/load';
import { PrometheusClient } from '../../kit/prometheus';
import { PROFILES } from '../../scenarios/lib/profiles';
import { startStack, type Stack } from '../../stack/stack';
import { SOURCE_API_COMMAND, startSourceStack, suiteDir } from '../support/native-stack';
import { waitUntil } from '../../kit/wait';
import {
  SHELL_LANGS,
  answerProblems,
  blocks,
  parseAnswer,
  commands,
  docFiles,
  expectations,
  holds,
  type Block,
  type Command,
  type DocFile,
} from './markdown';
import { isRussian } from './translations';

/**
 * Runs what the docs tell participants to run, against one isolated native stack (fast profile), so a
 * command or a query that stops working fails here instead of in front of a workshop.
 *
 * Conventions (also described at the top of docs/curl-guide.md):
 * - Every ```sh / ```bash / ```shell block of README.md and docs/** runs, in page order, as one bash
 *   script (variables carry from line to line), with the stack's ports in place of 5000, 5001, 9090,
 *   9093, 9099 and 9187. Each logical command (continuation lines joined) must exit 0.
 * - Each HTTP answer a curl command gets must be 2xx, or one of the statuses a trailing `# -> 404`
 *   (`# -> 200 or 500`) names. The statuses are read through `curl -D`, so `-w` stays the reader's.
 * - A ```json block right after a command block is the answer of its last command: same keys, JSON
 *   types and values at every level, except the values that vary (ids, times, measurements, balances,
 *   counts: VARYING in markdown.ts, and the paths of a `<!-- varies: $.a.b -->` marker above the json
 *   block); an object with a "..." key may have other keys; each element of an answer's array must match
 *   one documented element ("..." matches any). The documented answer gets the stack's ports too.
 * - `<!-- not-run: reason -->` above a block exempts it; `<!-- run-with: NAME=value -->` runs it against an
 *   extra API (same PostgreSQL) started with that environment; `make ...` lines are never run
 *   (reference.test.ts checks their targets).
 * - Every ```promql block must be valid and return at least one sample (polled with a deadline); each
 *   `# expect: > 1.9` line in it is a condition that one sample must meet.
 * - The case pages (docs/cases/0N-*, and their Russian twins in docs/ru/cases/) run first, each under the load of its scenario
 *   (scenarios/cases), so their queries see the fault their page injects; then README.md, then the other
 *   pages. Faults are reset after every page.
 */

const run = promisify(execFile);
const ROOT = projectRoot();
const PORTS = {
  api: 18700,
  prometheus: 18790,
  alertmanager: 18793,
  postgres: 18732,
  postgresExporter: 18787,
  alertSink: 18799,
  risk: 18751,
  controlRoom: 18798,
};
/** Extra APIs for run-with blocks listen from here on. */
const EXTRA_API_PORT = 18701;
/** How long a PromQL block may take to show its data: cases wait for alerts (`for: 10s` on 30 s windows). */
const CASE_QUERY_DEADLINE_MS = 60_000;
const QUERY_DEADLINE_MS = 20_000;

const DOCS = docFiles();
/** Each case's page (and its Russian twin under docs/ru/), from the scenario's own `doc` field. */
const CASE_OF_PAGE = new Map(
  Object.entries(CASES).flatMap(([id, factory]) => {
    const doc = factory(PROFILES.fast, {}).doc;
    return [doc, doc.replace(/^docs\//, 'docs/ru/')].map((page) => [page, Number(id)] as const);
  }),
);
const caseOf = (file: DocFile): number | undefined => CASE_OF_PAGE.get(file.rel);
const ORDERED = [
  ...DOCS.filter((f) => caseOf(f) !== undefined),
  ...DOCS.filter((f) => f.rel === 'README.md'),
  ...DOCS.filter((f) => caseOf(f) === undefined && f.rel !== 'README.md'),
];
const runnableCommands = (b: Block): Command[] => commands(b).filter((c) => !c.makeTargets);
const isShell = (b: Block) => SHELL_LANGS.has(b.lang) && b.notRun === undefined && runnableCommands(b).length > 0;
const isPromql = (b: Block) => b.lang === 'promql' && b.notRun === undefined;
const envKey = (env: Readonly<Record<string, string>>) => JSON.stringify(Object.entries(env).sort());

describe('the docs, run against an isolated native stack', function () {
  this.timeout(5 * 60_000);
  const started = Date.now();
  const counts = { shellBlocks: 0, curlCommands: 0, promqlBlocks: 0 };
  let dir: string;
  let stack: Stack;
  const extras = new Map<string, { stack: Stack; env: Readonly<Record<string, string>> }>();

  before(async () => {
    dir = suiteDir('fintech-docs-');
    stack = await startSourceStack(path.join(dir, 'stack'), PORTS);
    const envs = [
      ...new Map(
        DOCS.flatMap(blocks).flatMap((b) => (b.runWith ? [[envKey(b.runWith), b.runWith] as const] : [])),
      ).values(),
    ];
    for (const [i, env] of envs.entries()) {
      const extra = await startStack({
        stateDir: path.join(dir, `api-${i}`),
        components: ['api'],
        ports: { ...PORTS, api: EXTRA_API_PORT + i },
        apiCommand: SOURCE_API_COMMAND,
        apiEnv: { LOG_LEVEL: 'warn', ...env },
        readyTimeoutMs: 60_000,
      });
      extras.set(envKey(env), { stack: extra, env });
    }
  });

  after(async () => {
    for (const extra of extras.values()) await extra.stack.stop();
    await stack?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
    const seconds = ((Date.now() - started) / 1000).toFixed(0);
    console.log(
      `      ran ${counts.shellBlocks} shell blocks (${counts.curlCommands} curl commands) and ${counts.promqlBlocks} PromQL blocks in ${seconds} s`,
    );
  });

  it("finds every case page and its Russian twin, so each runs under its scenario's load", () => {
    const found = [...CASE_OF_PAGE.keys()].filter((page) => DOCS.some((f) => f.rel === page));
    expect(found).to.deep.equal([...CASE_OF_PAGE.keys()]);
  });

  const apiFor = (b: Block): string =>
    b.runWith ? (extras.get(envKey(b.runWith))?.stack.urls.api ?? '(extra API not started)') : stack.urls.api;

  for (const file of ORDERED) {
    const runnable = blocks(file).filter((b) => isShell(b) || isPromql(b));
    if (runnable.length === 0) continue;
    const caseId = caseOf(file);

    describe(file.rel, () => {
      let load: RunningLoad | undefined;
      before(() => {
        const factory = caseId === undefined ? undefined : CASES[caseId];
        if (factory) load = startLoad({ url: stack.urls.api, ...factory(PROFILES.fast, {}).load, seconds: 150 });
      });
      after(async () => {
        await load?.stop();
        // Whatever a page left on is switched off before the next one (an API with injection disabled just says 403).
        const apis = [
          { url: stack.urls.api, token: undefined },
          ...[...extras.values()].map((e) => ({ url: e.stack.urls.api, token: e.env.CHAOS_TOKEN })),
        ];
        for (const { url, token } of apis) await new FaultClient(url, { token }).reset();
      });

      for (const block of runnable) {
        const where = `${file.rel}:${block.line}`;
        if (isShell(block)) {
          it(`${where} runs${block.runWith ? ` (API with ${Object.keys(block.runWith).join(', ')})` : ''} and answers as documented`, async () => {
            counts.shellBlocks += 1;
            const cmds = runnableCommands(block);
            counts.curlCommands += cmds.filter((c) => /\bcurl\b/.test(c.text)).length;
            const results = await runShell(cmds, rewrite(apiFor(block), stack), path.join(dir, 'blocks'));
            for (const [i, cmd] of cmds.entries()) {
              const r = results[i];
              const label = `${file.rel}:${cmd.line}: ${cmd.text.split('\n')[0]}`;
              expect(r, `${label} did not run: an earlier command of the block failed`).to.not.equal(undefined);
              if (!r) return;
              expect(r.code, `${label} exited ${r.code}; stderr: ${r.stderr.slice(0, 500)}`).to.equal(0);
              if (/\bcurl\b/.test(cmd.text)) {
                expect(r.statuses, `${label}: no HTTP answer recorded`).to.not.have.lengthOf(0);
                const allowed = cmd.statuses;
                const wrong = r.statuses.filter((s) => (allowed ? !allowed.includes(s) : s < 200 || s > 299));
                expect(
                  wrong,
                  `${label}: statuses ${r.statuses.join(', ')}, expected ${allowed?.join(' or ') ?? '2xx'}; output: ${r.stdout.slice(0, 300)}`,
                ).to.deep.equal([]);
              }
            }
            if (block.answer) {
              const last = results[cmds.length - 1] as ShellResult;
              let actual: unknown;
              expect(
                () => (actual = JSON.parse(last.stdout)),
                `${where}: the answer is not JSON: ${last.stdout.slice(0, 300)}`,
              ).not.to.throw();
              const documented = parseAnswer(rewrite(apiFor(block), stack)(block.answer.body));
              // A Russian twin reruns its English page's commands on the state that page left (accounts
              // numbered on, idempotency keys replayed); parity.test.ts holds its answers equal to the
              // English ones, whose values the English run checks: here keys and types are compared.
              const varies = isRussian(file.rel) ? ['$'] : block.answer.varies;
              expect(
                answerProblems(documented, actual, varies),
                `${where}: the answer differs from the json block at ${file.rel}:${block.answer.line}; got ${last.stdout.slice(0, 600)}`,
              ).to.deep.equal([]);
            }
          });
        } else {
          const exps = expectations(block);
          const condition = exps.map((e) => `${e.op} ${e.value}`).join(' and ');
          it(`${where} is valid PromQL and returns data${condition ? ` ${condition}` : ''}`, async () => {
            counts.promqlBlocks += 1;
            const first = await query(stack.urls.prometheus, block.body);
            expect(first.error, `${where}: Prometheus refused the query`).to.equal(undefined);
            const values = await waitUntil(
              `${where} to return a sample${condition ? ` ${condition}` : ''}`,
              async () => (await query(stack.urls.prometheus, block.body)).values,
              {
                until: (vs) => vs.some((v) => !Number.isNaN(v) && exps.every((e) => holds(v, e))),
                timeoutMs: caseId === undefined ? QUERY_DEADLINE_MS : CASE_QUERY_DEADLINE_MS,
                intervalMs: 500,
              },
            );
            expect(values).to.not.have.lengthOf(0);
          });
        }
      }
    });
  }

  describe('docs/curl-guide.md', () => {
    it('calls every endpoint the API lists on GET /', async () => {
      const listed = ((await (await fetch(`${stack.urls.api}/`)).json()) as { endpoints: string[] }).endpoints;
      expect(listed.length).to.be.greaterThan(10);
      const guide = DOCS.find((f) => f.rel === 'docs/curl-guide.md') as DocFile;
      const called = blocks(guide)
        .filter((b) => SHELL_LANGS.has(b.lang))
        .flatMap(commands)
        .flatMap((c) => curlCalls(c.text));
      const missing = listed.filter((endpoint) => {
        const [method, template = ''] = endpoint.split(' ');
        const pattern = new RegExp(`^${template.replace(/:[a-z]+/g, '[^/]+')}$`);
        return !called.some((c) => c.method === method && pattern.test(c.path));
      });
      expect(missing).to.deep.equal([]);
    });
  });
});

interface ShellResult {
  code: number;
  stdout: string;
  stderr: string;
  statuses: number[];
}

/** The default ports of the docs, replaced by those of the test stack (and of an extra API). */
function rewrite(apiUrl: string, stack: Stack): (text: string) => string {
  const apiPort = new URL(apiUrl).port;
  const ports: Record<string, string> = {
    '5000': apiPort,
    '5001': String(stack.ports.risk),
    '9090': String(stack.ports.prometheus),
    '9093': String(stack.ports.alertmanager),
    '9099': String(stack.ports.alertSink),
    '9187': String(stack.ports.postgresExporter),
  };
  return (text) =>
    text.replace(
      /\b(?:127\.0\.0\.1|localhost):(5000|5001|9090|9093|9099|9187)\b/g,
      (_, port: string) => `127.0.0.1:${ports[port]}`,
    );
}

/** Runs the commands in one bash, each with its own output files, stopping at the first that fails. */
async function runShell(
  cmds: Command[],
  rewriteText: (s: string) => string,
  parent: string,
): Promise<(ShellResult | undefined)[]> {
  fs.mkdirSync(parent, { recursive: true });
  const dir = fs.mkdtempSync(path.join(parent, 'block-'));
  const q = (file: string) => `"${path.join(dir, file)}"`;
  const script = [
    'set -o pipefail',
    // Records the status of every HTTP answer (the last one after redirects) of every curl call.
    `curl() { local h; h=$(mktemp ${q('h.XXXXXX')}); command curl -D "$h" "$@"; local rc=$?; ` +
      `sed -n 's/^HTTP\\/[0-9.]* \\([0-9][0-9][0-9]\\).*/\\1/p' "$h" | tail -n 1 >> ${q('status.')}"$DOCS_CMD"; rm -f "$h"; return $rc; }`,
    ...cmds.map((c, i) =>
      [
        `DOCS_CMD=${i}`,
        `{ ${rewriteText(c.text)}`,
        `} > ${q(`out.${i}`)} 2> ${q(`err.${i}`)}; echo $? > ${q(`rc.${i}`)}`,
        `[ "$(cat ${q(`rc.${i}`)})" = 0 ] || exit 0`,
      ].join('\n'),
    ),
  ].join('\n');
  const env = { ...process.env };
  delete env.CHAOS_TOKEN;
  await run('bash', ['-c', script], { env, cwd: ROOT, timeout: 120_000 });
  const read = (file: string) =>
    fs.existsSync(path.join(dir, file)) ? fs.readFileSync(path.join(dir, file), 'utf8') : undefined;
  return cmds.map((_, i) => {
    const rc = read(`rc.${i}`);
    if (rc === undefined) return undefined;
    return {
      code: Number(rc.trim()),
      stdout: read(`out.${i}`) ?? '',
      stderr: read(`err.${i}`) ?? '',
      statuses: (read(`status.${i}`) ?? '').split('\n').filter(Boolean).map(Number),
    };
  });
}

/** An instant query: the sample values, or Prometheus's error for an invalid query. */
function query(prometheus: string, expr: string): Promise<{ values: number[]; error?: string }> {
  return new PrometheusClient(prometheus).query(expr).then(
    (samples) => ({ values: samples.map((x) => x.value) }),
    (err: Error) => ({ values: [], error: err.message }),
  );
}

/** The HTTP calls a curl command makes to the API on port 5000: method and path. */
function curlCalls(text: string): { method: string; path: string }[] {
  if (!/\bcurl\b/.test(text)) return [];
  const explicit = /(?:-X|--request)\s+([A-Z]+)/.exec(text)?.[1];
  const sendsData = /\s(-d|--data[\w-]*)\s/.test(text) && !/\s(-G|--get)\s/.test(text);
  const method = explicit ?? (sendsData ? 'POST' : 'GET');
  return [...text.matchAll(/https?:\/\/(?:127\.0\.0\.1|localhost):5000(\/[^\s'"?]*)?/g)].map((m) => ({
    method,
    path: m[1] ?? '/',
  }));
}
