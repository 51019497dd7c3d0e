import { spawnSync } from 'node:child_process';

/**
 * Whether `docker compose` can run the full stack here: a reachable engine and the compose plugin.
 * Returns the reason when it cannot (the Makefile then falls back to the native stack).
 */
export function dockerComposeUnavailable(): string | undefined {
  const run = (args: string[]): boolean => spawnSync('docker', args, { stdio: 'ignore', timeout: 15_000 }).status === 0;
  if (!run(['info'])) return 'no Docker engine reachable (docker info failed)';
  if (!run(['compose', 'version'])) return 'the docker compose plugin is missing';
  return undefined;
}
