import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { projectRoot } from '../../app/paths';
import type { Journal } from '../../scenarios/lib/runner';
import type { Ports, Profile } from '../../stack/options';
import { startStack, type Stack } from '../../stack/stack';

/** The API run from source, as the suites that start a native stack run it. */
export const SOURCE_API_COMMAND = [process.execPath, '--import', 'tsx', path.join(projectRoot(), 'app', 'server.ts')];

/** The risk service run from source, next to the API. */
export const SOURCE_RISK_COMMAND = [process.execPath, '--import', 'tsx', path.join(projectRoot(), 'risk', 'server.ts')];

/** A fresh temp folder for a suite's stacks; PostgreSQL runs as user postgres and must be able to enter it. */
export function suiteDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.chmodSync(dir, 0o755);
  return dir;
}

/** The whole native stack with the API from source, logging warnings only. */
export function startSourceStack(
  stateDir: string,
  ports: Ports,
  apiEnv: Record<string, string> = {},
  profile: Profile = 'fast',
): Promise<Stack> {
  return startStack({
    stateDir,
    ports,
    profile,
    apiCommand: SOURCE_API_COMMAND,
    riskCommand: SOURCE_RISK_COMMAND,
    apiEnv: { LOG_LEVEL: 'warn', ...apiEnv },
    readyTimeoutMs: 60_000,
  });
}

/** "phase: probe = value (expected ...)" for every probe of a journal that failed. */
export function failedProbes(journal: Journal | undefined): string[] {
  return (
    journal?.phases.flatMap((p) =>
      p.probes.filter((r) => !r.ok).map((r) => `${p.phase}: ${r.name} = ${r.value} (expected ${r.expected})`),
    ) ?? []
  );
}
