import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { projectRoot } from '../app/paths';

/** Where the numbers were measured: printed beside them, since they mean little without it. */
export interface Environment {
  date: string;
  commit: string;
  node: string;
  cpu: string;
  memory: string;
  os: string;
  /** Versions found while running (PostgreSQL, pgbench, Prometheus, ...). */
  tools: Record<string, string>;
}

export function describeMachine(): Environment {
  const cpus = os.cpus();
  return {
    date: new Date().toISOString(),
    commit: gitCommit(),
    node: process.version,
    cpu: `${cpus[0]?.model.trim() ?? 'unknown'} × ${cpus.length} logical cores (${os.availableParallelism()} available)`,
    memory: `${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB total, ${(os.freemem() / 1024 ** 3).toFixed(1)} GiB free at start`,
    os: `${os.type()} ${os.release()} (${os.arch()}), load average at start ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
    tools: {},
  };
}

function gitCommit(): string {
  const git = (...args: string[]) =>
    execFileSync('git', args, { cwd: projectRoot(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  try {
    const commit = git('rev-parse', '--short=12', 'HEAD');
    return git('status', '--porcelain', '--untracked-files=no') === '' ? commit : `${commit} + uncommitted changes`;
  } catch {
    return 'unknown (not a git checkout)';
  }
}

/** First line of `command --version`, or undefined when the command is missing. */
export function toolVersion(command: string, args: string[] = ['--version']): string | undefined {
  try {
    const out = execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return out.split('\n')[0]?.trim();
  } catch {
    return undefined;
  }
}
