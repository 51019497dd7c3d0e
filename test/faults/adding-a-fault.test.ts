import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { projectRoot } from '../../app/paths';

const run = promisify(execFile);
const ROOT = projectRoot();
const PAGE = 'docs/adding-a-fault.md';
/** What a new fault's checks need of the tree; the rest (scenarios, stack, docs) is not copied. */
const COPIED = [
  'app',
  'kit',
  'test/support',
  'test/faults/control-plane.test.ts',
  'package.json',
  'tsconfig.json',
  '.mocharc.json',
  'init.sql',
];
const STEP = /<!-- (new-file|edit): (\S+) -->\n```(\w+)\n([\s\S]*?)\n```/g;

/** Applies the page's steps: a new file is written as shown; an edit's `-` lines must exist and become its `+` lines, and a `+` line with no `-` before it goes after the last import. */
function followPage(dir: string): string[] {
  const written: string[] = [];
  for (const [, kind, rel, , body] of fs.readFileSync(path.join(ROOT, PAGE), 'utf8').matchAll(STEP)) {
    const file = path.join(dir, rel as string);
    if (kind === 'new-file') {
      fs.writeFileSync(file, `${body}\n`);
    } else {
      let lines = fs.readFileSync(file, 'utf8').split('\n');
      let pending: number | undefined;
      for (const line of (body as string).split('\n')) {
        const text = line.slice(1);
        if (line.startsWith('-')) {
          pending = lines.indexOf(text);
          if (pending < 0) throw new Error(`${PAGE}: ${rel} has no line "${text}"`);
          lines.splice(pending, 1);
        } else if (line.startsWith('+')) {
          const at = pending ?? lines.findLastIndex((l) => l.startsWith('import ')) + 1;
          lines = [...lines.slice(0, at), text, ...lines.slice(at)];
          if (pending !== undefined) pending += 1;
        }
      }
      fs.writeFileSync(file, lines.join('\n'));
    }
    written.push(rel as string);
  }
  return written;
}

const SCRATCH_TESTS = ['test/faults/db-flaky.test.ts', 'test/faults/control-plane.test.ts'];

/** Runs a tool of node_modules in the scratch tree; its output comes back even when it fails. */
async function tool(dir: string, name: string, args: string[], timeout: number): Promise<{ ok: boolean; out: string }> {
  try {
    const { stdout, stderr } = await run(path.join(dir, 'node_modules/.bin', name), args, { cwd: dir, timeout });
    return { ok: true, out: stdout + stderr };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    return { ok: false, out: `${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

describe(`a fault added by following ${PAGE}, in a scratch copy of the tree`, function () {
  this.timeout(120_000);
  let dir: string;
  let steps: string[];
  let typecheck: Promise<{ ok: boolean; out: string }>;
  let tests: Promise<{ ok: boolean; out: string }>;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fault-scratch-'));
    for (const rel of COPIED) fs.cpSync(path.join(ROOT, rel), path.join(dir, rel), { recursive: true });
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
    steps = followPage(dir);
    const tsconfig = {
      extends: './tsconfig.json',
      include: ['app/**/*.ts'],
      files: [...SCRATCH_TESTS, 'test/support/global.ts'],
    };
    fs.writeFileSync(path.join(dir, 'tsconfig.scratch.json'), JSON.stringify(tsconfig));
    // Both at once: each is bounded by its own timeout and the suite waits for both.
    typecheck = tool(dir, 'tsc', ['-p', 'tsconfig.scratch.json', '--noEmit'], 60_000);
    tests = tool(dir, 'mocha', SCRATCH_TESTS, 90_000);
  });
  after(async () => {
    await Promise.allSettled([typecheck, tests]);
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('takes one new fault file, one catalogue line and one new test', () => {
    expect(steps).to.deep.equal(['app/faults/db-flaky.ts', 'app/faults/catalogue.ts', 'test/faults/db-flaky.test.ts']);
  });

  it('type-checks', async () => {
    const { ok, out } = await typecheck;
    expect(ok, out.slice(-3000)).to.equal(true);
  });

  it('passes its own test and the control-plane tests with the new key', async () => {
    const { ok, out } = await tests;
    expect(ok, out.slice(-3000)).to.equal(true);
    expect(/tests: (\d+) passed, 0 failed/.exec(out)?.[1], out.slice(-3000)).to.not.equal(undefined);
    expect(out).to.include('at 100 fails every database route');
  });
});
