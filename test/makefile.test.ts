import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { projectRoot } from '../app/paths';

/** The commands `make -n TARGET` would run (the Makefile is the user interface: its claims must hold). */
function dryRun(target: string): string[] {
  return execFileSync('make', ['-n', '--no-print-directory', target], { cwd: projectRoot(), encoding: 'utf8' })
    .split('\n')
    .filter(Boolean);
}

describe('make test-quick', () => {
  it('installs the Prometheus tools its tests run before running them', () => {
    const commands = dryRun('test-quick');
    const mocha = commands.findIndex((c) => c.includes('mocha'));
    expect(mocha, 'runs mocha').to.be.greaterThan(-1);
    const specs = (commands[mocha] ?? '')
      .split(' ')
      .filter((a) => a.includes('test/'))
      .map((a) => a.replaceAll("'", ''));
    // Each spec is a file or a folder/**/*.test.ts glob.
    const files = specs.flatMap((spec) => {
      const dir = path.join(projectRoot(), spec.replace(/\/\*\*\/\*\.test\.ts$/, ''));
      if (!fs.statSync(dir).isDirectory()) return [spec];
      return fs
        .readdirSync(dir, { recursive: true, encoding: 'utf8' })
        .filter((f) => f.endsWith('.test.ts'))
        .map((f) => path.join(dir, f));
    });
    const usingPromtool = files.filter((f) =>
      fs.readFileSync(path.resolve(projectRoot(), f), 'utf8').includes("'promtool'"),
    );
    expect(usingPromtool, 'quick tests that run promtool').to.not.deep.equal([]);
    expect(
      commands.slice(0, mocha).some((c) => c.includes('scripts/ensure-tools.sh')),
      'ensure-tools.sh before mocha',
    ).to.equal(true);
  });

  it('runs only the files it names (mocha merges a spec list in .mocharc.json with the files given)', () => {
    const config = JSON.parse(fs.readFileSync(path.join(projectRoot(), '.mocharc.json'), 'utf8')) as { spec?: unknown };
    expect(config.spec, '.mocharc.json spec').to.equal(undefined);
    const test = dryRun('test').find((c) => c.includes('mocha'));
    expect(test, 'make test names every test file').to.include("'test/**/*.test.ts'");
  });
});
