import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { projectRoot } from '../../app/paths';
import { waitUntil } from '../../kit/wait';

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

  it('writes a request line as JSON: default fields first, values escaped, undefined fields left out', async () => {
    const [line] = await linesOf(`const { createLogger, writeLine } = require('./app/telemetry/logger');
      const logger = createLogger({ level: 'info', service: 'api', instanceId: 'api-2' });
      writeLine(logger, 'warn', 'request', { path: '/a"b\\\\c\\nд', status: 404, trace_id: undefined, faults: ['latency'] });`);
    expect(Object.keys(line ?? {})).to.deep.equal([
      'level',
      'message',
      'service',
      'instance_id',
      'path',
      'status',
      'faults',
      'timestamp',
    ]);
    expect(line).to.deep.include({ level: 'warn', path: '/a"b\\c\nд', status: 404, faults: ['latency'] });
    expect(line?.timestamp).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(Date.parse(line?.timestamp as string)).to.be.closeTo(Date.now(), 60_000);
  });

  it('writes a line while the process keeps running, not only when it exits', async () => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '--eval',
        `${LOGGER} writeLine(logger, 'info', 'request', { n: 1 }); setTimeout(() => {}, 20000);`,
      ],
      { cwd: projectRoot(), stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    try {
      const line = await waitUntil('the line on stdout', () => stdout, {
        until: (t) => t.includes('\n'),
        timeoutMs: 10_000,
      });
      expect(JSON.parse(line)).to.include({ message: 'request', n: 1 });
      expect(child.exitCode).to.equal(null);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
