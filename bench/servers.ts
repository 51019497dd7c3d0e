import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { projectRoot } from '../app/paths';
import { freePort } from '../kit/ports';
import { waitHealthy } from '../kit/wait';

/** A server under test, running as a process of its own (the load generator never shares its event loop). */
export interface ServerHandle {
  name: string;
  pid: number;
  baseUrl: string;
  /** Resident memory of the process, from /proc (undefined once it is gone). */
  rssBytes(): number | undefined;
  /** CPU time the process has used so far (user + system, all threads), in seconds. */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

/** The compiled JavaScript of a source file ("app/server" -> dist/app/server.js): what production runs. */
export function compiled(source: string): string {
  return path.join(projectRoot(), 'dist', `${source}.js`);
}

/**
 * Starts and stops the benchmark's server processes, by the pid it got from spawn, never by name.
 * Their stdout (the JSON log lines at info level) goes to /dev/null: logging is paid for, not read.
 */
export class ServerProcesses {
  private readonly live = new Map<number, ChildProcess>();

  /** `nodeArgs` go before the script (e.g. --cpu-prof). */
  async start(
    name: string,
    source: string,
    env: Record<string, string>,
    options: { timeoutMs?: number; nodeArgs?: string[] } = {},
  ): Promise<ServerHandle> {
    const port = await freePort();
    const devNull = fs.openSync('/dev/null', 'w');
    let child: ChildProcess;
    try {
      child = spawn(process.execPath, [...(options.nodeArgs ?? []), compiled(source)], {
        cwd: projectRoot(),
        // Only what the server needs: a developer's OTEL_* or LOG_LEVEL must not change what is measured.
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? '',
          PORT: String(port),
          HOST: '127.0.0.1',
          ...env,
        },
        stdio: ['ignore', devNull, 'pipe'],
      });
    } finally {
      fs.closeSync(devNull);
    }
    const pid = child.pid;
    if (pid === undefined) throw new Error(`${name}: could not start ${process.execPath}`);
    this.live.set(pid, child);
    const stderr: string[] = [];
    child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
    let exit: string | undefined;
    child.on('exit', (code, signal) => {
      exit = signal ? `killed by ${signal}` : `exited with code ${code}`;
      this.live.delete(pid);
    });

    const baseUrl = `http://127.0.0.1:${port}`;
    const timeoutMs = options.timeoutMs ?? 20_000;
    await waitHealthy(
      `${name} to answer ${baseUrl}/livez`,
      () => fetch(`${baseUrl}/livez`).then((r) => (r.ok ? undefined : `HTTP ${r.status}`)),
      { timeoutMs, intervalMs: 100, giveUp: () => exit && `${exit} before answering /livez` },
    ).catch(async (err: unknown) => {
      await this.stopPid(pid);
      throw new Error(`${(err as Error).message}:\n${stderr.join('').slice(-2000)}`);
    });
    return {
      name,
      pid,
      baseUrl,
      rssBytes: () => readRss(pid),
      cpuSeconds: () => readCpuSeconds(pid),
      stop: () => this.stopPid(pid),
    };
  }

  /** Stops every server still running (the end of a run, a failure or Ctrl-C). */
  async stopAll(): Promise<void> {
    await Promise.all([...this.live.keys()].map((pid) => this.stopPid(pid)));
  }

  private async stopPid(pid: number): Promise<void> {
    const child = this.live.get(pid);
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const stopped = await Promise.race([exited.then(() => true), sleep(5_000).then(() => false)]);
    if (!stopped) {
      child.kill('SIGKILL');
      await exited;
    }
  }
}

function readRss(pid: number): number | undefined {
  try {
    const kb = /^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? undefined : Number(kb) * 1024;
  } catch {
    return undefined;
  }
}

/** Clock ticks per second of /proc/PID/stat's times (100 on Linux, but ask once). */
export const clockTicks = (() => {
  let ticks: number | undefined;
  return (): number => {
    try {
      ticks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticks = 100;
    }
    return ticks;
  };
})();

function readCpuSeconds(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // fields after the command name (which may contain spaces): utime and stime are fields 14 and 15
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / clockTicks();
  } catch {
    return NaN;
  }
}
