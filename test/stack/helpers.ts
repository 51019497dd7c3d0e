import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { projectRoot } from '../../app/paths';

export const ROOT = projectRoot();

/** Installs the stack's tools (and docker-compose with `compose`) when missing; a fresh CI machine has none. */
export function ensureTools(options: { compose?: boolean } = {}): void {
  execFileSync('bash', [path.join(ROOT, 'scripts', 'ensure-tools.sh'), ...(options.compose ? ['--compose'] : [])], {
    stdio: 'inherit',
    timeout: 300_000,
  });
}

/** Runs a command; its output is part of the assertion message when it fails. */
export function run(
  command: string,
  args: string[],
  cwd = ROOT,
  env: Record<string, string> = {},
): { status: number | null; output: string } {
  const result = spawnSync(command, args, { cwd, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 60_000 });
  return {
    status: result.status,
    output: `${result.stdout ?? ''}${result.stderr ?? ''}${result.error?.message ?? ''}`,
  };
}
