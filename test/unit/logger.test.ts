import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { projectRoot } from '../../app/paths';

const run = promisify(execFile);

/** The logger in a process of its own: stdout is what a log collector reads. */
async function linesOf(script: string): Promise<Record<string, unknown>[]> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', '--eval', script], {
    cwd: projectRoot(),
    timeout: 20_000,
  });
  return stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

const LOGGER = `const { createLogger, writeLine } = require('./app/telemetry/logger');
const logger = createLogger({ level: 'info', service: 'api' });`;

describe('the stdout logger', () => {
  it('keeps the order of request lines and other lines, across turns of the event loop', async () => {
    const lines = await linesOf(`${LOGGER}
      (async () => {
      for (let turn = 0; turn < 3; turn++) {
        for (let i = 0; i < 50; i++) {
          writeLine(logger, 'info', 'request', { n: turn * 100 + i * 2 });
          logger.info('other', { n: turn * 100 + i * 2 + 1 });
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
      })();`);
    const expected = [0, 1, 2].flatMap((turn) => Array.from({ length: 100 }, (_, i) => turn * 100 + i));
    expect(lines.map((l) => l.n)).to.deep.equal(expected);
    expect(lines.every((l) => l.service === 'api' && typeof l.timestamp === 'string')).to.equal(true);
  });

  it('writes the lines still pending when the process exits in the same turn (e.g. a fatal error)', async () => {
    const lines = await linesOf(`${LOGGER}
      for (let i = 0; i < 20; i++) writeLine(logger, 'info', 'request', { n: i });
      logger.error('fatal', { n: 20 });
      process.exit(1);`).catch((err: { code?: number; stdout?: string }) => {
      expect(err.code).to.equal(1);
      return (err.stdout ?? '')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    });
    expect(lines.map((l) => l.n)).to.deep.equal(Array.from({ length: 21 }, (_, i) => i));
    expect(lines.at(-1)).to.include({ level: 'error', message: 'fatal' });
  });
});
