import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import {
  isAlive,
  isRecordedProcessRunning,
  spawnDetached,
  stopRecordedProcess,
  tailLog,
  type ProcessRecord,
} from '../../stack/process';
import { waitHealthy } from '../../kit/wait';

describe('stack processes', () => {
  let dir: string;
  const started: ProcessRecord[] = [];

  /** Gone for good: a killed child stays a zombie until this (parent) process reaps it. */
  const gone = (pid: number): Promise<void> =>
    waitHealthy(`pid ${pid} gone`, () => Promise.resolve(isAlive(pid) ? 'still alive' : undefined), {
      timeoutMs: 5_000,
    });

  function start(script: string): ProcessRecord {
    const { record } = spawnDetached('test', [process.execPath, '-e', script], {
      cwd: dir,
      env: process.env,
      logFile: path.join(dir, 'test.log'),
    });
    started.push(record);
    return record;
  }

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stack-process-'));
  });

  afterEach(() => {
    for (const record of started.splice(0)) {
      if (isRecordedProcessRunning(record)) process.kill(-record.pid, 'SIGKILL');
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('starts a process that writes to its log and records its command', async () => {
    const record = start('console.log("hello from the child"); setInterval(() => {}, 1000)');
    expect(isRecordedProcessRunning(record)).to.equal(true);
    await waitHealthy(
      'child output',
      () => Promise.resolve(tailLog(record.log).includes('hello from the child') ? undefined : 'no output yet'),
      {
        timeoutMs: 5_000,
      },
    );
  });

  it('stops a recorded process with SIGTERM', async () => {
    const record = start('setInterval(() => {}, 1000)');
    expect(await stopRecordedProcess(record)).to.equal('stopped');
    await gone(record.pid);
  });

  it('kills a process that ignores SIGTERM once the deadline passes', async () => {
    const record = start('process.on("SIGTERM", () => {}); console.log("ready"); setInterval(() => {}, 1000)');
    await waitHealthy(
      'handler installed',
      () => Promise.resolve(tailLog(record.log).includes('ready') ? undefined : 'not yet'),
      {
        timeoutMs: 5_000,
      },
    );
    expect(await stopRecordedProcess(record, { timeoutMs: 300 })).to.equal('killed');
    await gone(record.pid);
  });

  it('never signals a pid that now runs another command', async () => {
    const record = start('setInterval(() => {}, 1000)');
    const recycled: ProcessRecord = { ...record, argv: ['postgres', '-D', '/somewhere/else'] };
    expect(await stopRecordedProcess(recycled)).to.equal('not running');
    expect(isAlive(record.pid)).to.equal(true);
  });

  it('never signals a pid reused by a process started later with the same command', async () => {
    const record = start('setInterval(() => {}, 1000)');
    const earlier: ProcessRecord = { ...record, startTime: '1' };
    expect(await stopRecordedProcess(earlier)).to.equal('not running');
    expect(isAlive(record.pid)).to.equal(true);
  });

  it('reports a process that is already gone as not running', async () => {
    const record = start('process.exit(0)');
    await waitHealthy('child exit', () => Promise.resolve(isRecordedProcessRunning(record) ? 'running' : undefined), {
      timeoutMs: 5_000,
    });
    expect(await stopRecordedProcess(record)).to.equal('not running');
  });

  it('shows only the latest run of a log that several runs appended to', async () => {
    const first = start('console.log("first run")');
    await waitHealthy('first run', () => Promise.resolve(isRecordedProcessRunning(first) ? 'running' : undefined), {
      timeoutMs: 5_000,
    });
    const second = start('console.log("second run")');
    await waitHealthy(
      'second run',
      () => Promise.resolve(tailLog(second.log).includes('second run') ? undefined : 'no output yet'),
      {
        timeoutMs: 5_000,
      },
    );
    expect(tailLog(second.log)).to.deep.equal(['second run']);
  });
});
