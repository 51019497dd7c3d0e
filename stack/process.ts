import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { waitUntil } from '../kit/wait';

/** What `up` records about a process it started, so a later `down` can stop exactly that process. */
export interface ProcessRecord {
  name: string;
  pid: number;
  argv: string[];
  /** Kernel start time of the process (clock ticks since boot), to tell it from a later process reusing the pid. */
  startTime: string | undefined;
  log: string;
  startedAt: string;
}

export interface SpawnOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  logFile: string;
}

/** A process started in its own process group, outliving the launcher, its output appended to a log file. */
export interface Spawned {
  record: ProcessRecord;
  /** Why the process is gone ("exited with code 1"), or undefined while it runs. */
  exitReason(): string | undefined;
}

export function spawnDetached(name: string, argv: string[], options: SpawnOptions): Spawned {
  const [command, ...args] = argv;
  if (command === undefined) throw new Error(`${name}: empty command`);
  fs.mkdirSync(path.dirname(options.logFile), { recursive: true });
  const log = fs.openSync(options.logFile, 'a');
  fs.writeSync(log, `${RUN_MARKER} ${new Date().toISOString()} ${argv.join(' ')}\n`);
  let exitReason: string | undefined;
  try {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      detached: true,
      stdio: ['ignore', log, log],
    });
    child.on('error', (err) => (exitReason = `could not start ${command}: ${err.message}`));
    child.on('exit', (code, signal) => (exitReason = signal ? `killed by ${signal}` : `exited with code ${code}`));
    child.unref();
    if (child.pid === undefined) {
      // spawn reports ENOENT asynchronously; give the caller the reason now
      throw new Error(`${name}: could not start ${command} (not found or not executable)`);
    }
    const record: ProcessRecord = {
      name,
      pid: child.pid,
      argv,
      startTime: readStartTime(child.pid),
      log: options.logFile,
      startedAt: new Date().toISOString(),
    };
    return { record, exitReason: () => exitReason };
  } finally {
    fs.closeSync(log);
  }
}

/** True when the pid is alive and still runs the recorded command (a recycled pid is not ours). */
export function isRecordedProcessRunning(record: ProcessRecord): boolean {
  return isSameProcess(record.pid, record.argv, record.startTime);
}

export function isSameProcess(pid: number, argv: string[], startTime: string | undefined): boolean {
  const cmdline = readCmdline(pid);
  if (cmdline === undefined || cmdline.join(' ') !== argv.join(' ')) return false;
  return startTime === undefined || readStartTime(pid) === startTime;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export type StopOutcome = 'not running' | 'stopped' | 'killed';

/**
 * Stops a recorded process: `signal`, then SIGKILL to its whole process group after `timeoutMs`.
 * Never signals a pid that no longer runs the recorded command.
 */
export async function stopRecordedProcess(
  record: ProcessRecord,
  options: { signal?: NodeJS.Signals; timeoutMs?: number } = {},
): Promise<StopOutcome> {
  if (!isRecordedProcessRunning(record)) return 'not running';
  const { signal = 'SIGTERM', timeoutMs = 10_000 } = options;
  signalQuietly(record.pid, signal);
  if (await waitForExit(record, timeoutMs)) return 'stopped';
  if (isRecordedProcessRunning(record)) signalQuietly(-record.pid, 'SIGKILL');
  await waitForExit(record, 2_000);
  return 'killed';
}

async function waitForExit(record: ProcessRecord, timeoutMs: number): Promise<boolean> {
  return waitUntil(`pid ${record.pid} to exit`, () => !isRecordedProcessRunning(record), {
    timeoutMs,
    intervalMs: 50,
  }).catch(() => false);
}

function signalQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

/** The process's argv, or undefined when it is gone. */
export function readCmdline(pid: number): string[] | undefined {
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  if (fs.existsSync('/proc/self')) {
    try {
      return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0$/, '').split('\0');
    } catch {
      return undefined;
    }
  }
  // no procfs (macOS): ps gives the command line joined by spaces, good enough to compare
  try {
    return execFileSync('ps', ['-o', 'args=', '-p', String(pid)], { encoding: 'utf8' })
      .trim()
      .split(' ');
  } catch {
    return undefined;
  }
}

/** Field 22 (starttime) of /proc/PID/stat, or undefined where there is no procfs. */
export function readStartTime(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name (field 2) may contain spaces: count from the closing parenthesis (field 3 on)
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** The records of one state directory: one JSON file per component. */
export class ProcessRecords {
  constructor(readonly dir: string) {}

  write(record: ProcessRecord): void {
    fs.mkdirSync(this.dir, { recursive: true });
    fs.writeFileSync(this.file(record.name), JSON.stringify(record, null, 2) + '\n');
  }

  read(name: string): ProcessRecord | undefined {
    try {
      return JSON.parse(fs.readFileSync(this.file(name), 'utf8')) as ProcessRecord;
    } catch {
      return undefined;
    }
  }

  remove(name: string): void {
    fs.rmSync(this.file(name), { force: true });
  }

  private file(name: string): string {
    return path.join(this.dir, `${name}.json`);
  }
}

/** Starts each run's part of a log file: logs are appended to, run after run. */
const RUN_MARKER = '=== started';

/** The last `lines` lines the latest run wrote to a log file, for error messages. */
export function tailLog(file: string, lines = 20): string[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const latestRun = text.slice(Math.max(0, text.lastIndexOf(RUN_MARKER)));
  return latestRun
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith(RUN_MARKER))
    .slice(-lines);
}
