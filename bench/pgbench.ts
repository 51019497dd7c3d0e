import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Where Debian's postgresql-contrib puts pgbench, newest major version first, then PATH. */
function candidates(): string[] {
  const lib = '/usr/lib/postgresql';
  const versions = fs.existsSync(lib)
    ? fs
        .readdirSync(lib)
        .filter((v) => /^\d+$/.test(v))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  const onPath = (process.env.PATH ?? '')
    .split(':')
    .filter(Boolean)
    .map((dir) => path.join(dir, 'pgbench'));
  return [...versions.map((v) => path.join(lib, v, 'bin', 'pgbench')), ...onPath];
}

function find(): string | undefined {
  return candidates().find((file) => {
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * The pgbench binary, installed from Debian's postgresql-contrib when missing and we may (root, apt).
 * Returns the reason instead when there is none.
 */
export function locatePgbench(progress: (line: string) => void): { bin: string } | { missing: string } {
  const found = find();
  if (found) return { bin: found };
  const mayInstall =
    process.getuid?.() === 0 && fs.existsSync('/etc/debian_version') && fs.existsSync('/usr/bin/apt-get');
  if (!mayInstall) {
    return {
      missing:
        'pgbench not found; install it (Debian/Ubuntu: apt-get install postgresql-contrib) to get the database ceiling',
    };
  }
  progress('pgbench missing: apt-get install postgresql-contrib');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () =>
    execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'postgresql-contrib'], {
      env,
      stdio: 'ignore',
      timeout: 180_000,
    });
  try {
    install();
  } catch {
    try {
      execFileSync('apt-get', ['update', '-qq'], { env, stdio: 'ignore', timeout: 120_000 });
      install();
    } catch (err) {
      return {
        missing: `pgbench not found and apt-get install postgresql-contrib failed: ${(err as Error).message.split('\n')[0]}`,
      };
    }
  }
  const installed = find();
  return installed ? { bin: installed } : { missing: 'postgresql-contrib installed but no pgbench found' };
}

/** Connection arguments and environment for pgbench from a postgres:// URL. */
export function connection(databaseUrl: string): { args: string[]; env: NodeJS.ProcessEnv } {
  const url = new URL(databaseUrl);
  return {
    args: ['-h', url.hostname, '-p', url.port || '5432', '-U', decodeURIComponent(url.username), url.pathname.slice(1)],
    env: { ...process.env, PGPASSWORD: decodeURIComponent(url.password) },
  };
}

export async function pgbench(
  bin: string,
  args: string[],
  databaseUrl: string,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<string> {
  const c = connection(databaseUrl);
  const { stdout, stderr } = await run(bin, [...args, ...c.args], {
    env: c.env,
    timeout: timeoutMs,
    maxBuffer: 16 * 1024 * 1024,
    ...(signal && { signal }),
  });
  return `${stdout}\n${stderr}`;
}

/** tps, mean latency and transactions done from pgbench's summary. */
export function parseRun(output: string): { tps: number; latencyMs: number; transactions: number } {
  const tps = /^tps = ([\d.]+) \((?:without initial connection time|excluding connections establishing)\)/m.exec(
    output,
  )?.[1];
  const latency = /^latency average = ([\d.]+) ms/m.exec(output)?.[1];
  const done = /^number of transactions actually processed: (\d+)/m.exec(output)?.[1];
  if (tps === undefined || done === undefined) throw new Error(`no tps in pgbench output:\n${output.slice(-1000)}`);
  return { tps: Number(tps), latencyMs: Number(latency ?? NaN), transactions: Number(done) };
}
