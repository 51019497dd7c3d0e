import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { projectRoot } from '../../app/paths';
import { waitUntil } from '../../kit/wait';
import { freePort } from '../../kit/ports';

/** A real server entry point (app/server.ts, or risk/server.ts) running as its own process, with its log lines captured. */
export interface ServerProcess {
  child: ChildProcess;
  baseUrl: string;
  port: number;
  lines: string[];
  stderr: string[];
  exited: Promise<number | null>;
  /** Parsed JSON log lines. */
  logs(): Record<string, unknown>[];
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

export async function spawnServer(
  env: Record<string, string>,
  options: { waitReady?: boolean; port?: number; entry?: string } = {},
): Promise<ServerProcess> {
  const port = options.port ?? (await freePort());
  const entry = path.join(projectRoot(), options.entry ?? 'app/server.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: projectRoot(),
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const stderr: string[] = [];
  let buffer = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    const parts = buffer.split('\n');
    buffer = parts.pop() ?? '';
    lines.push(...parts.filter(Boolean));
  });
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const baseUrl = `http://127.0.0.1:${port}`;
  const proc: ServerProcess = {
    child,
    baseUrl,
    port,
    lines,
    stderr,
    exited,
    logs: () =>
      lines.flatMap((l) => {
        try {
          return [JSON.parse(l) as Record<string, unknown>];
        } catch {
          return [];
        }
      }),
    async kill(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
  if (options.waitReady !== false) {
    await waitUntil(
      `the server on ${baseUrl} to answer /livez`,
      () => fetch(`${baseUrl}/livez`).then((r) => r.status),
      { until: (s) => s === 200, timeoutMs: 20_000 },
    ).catch(async (err) => {
      await proc.kill('SIGKILL');
      throw new Error(`${(err as Error).message}\nstderr: ${stderr.join('')}\nstdout: ${lines.slice(-10).join('\n')}`);
    });
  }
  return proc;
}
