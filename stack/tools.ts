import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** Binaries the native stack runs, each with the names it goes by (Debian's first, then upstream's). */
export const TOOLS = {
  prometheus: ['prometheus'],
  alertmanager: ['prometheus-alertmanager', 'alertmanager'],
  postgresExporter: ['prometheus-postgres-exporter', 'postgres_exporter'],
  haproxy: ['haproxy'],
} as const;
export type Tool = keyof typeof TOOLS;

/** The absolute path of the first of `names` found on PATH. */
export function findExecutable(names: readonly string[], env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const name of names) {
    for (const dir of (env['PATH'] ?? '').split(path.delimiter)) {
      if (dir === '') continue;
      const candidate = path.join(dir, name);
      try {
        fs.accessSync(candidate, fs.constants.X_OK);
        if (fs.statSync(candidate).isFile()) return candidate;
      } catch {
        // not here
      }
    }
  }
  return undefined;
}

/**
 * Paths of the stack's binaries; installs missing ones with scripts/ensure-tools.sh when allowed,
 * which explains what to install by hand where it cannot (not Debian, not root).
 */
export function requireTools(
  root: string,
  options: { install: boolean; onProgress: (line: string) => void },
): Record<Tool, string> {
  let found = locateTools();
  const missing = (Object.keys(found) as Tool[]).filter((t) => found[t] === undefined);
  if (missing.length > 0 && options.install) {
    options.onProgress(`… installing ${missing.join(', ')} (scripts/ensure-tools.sh)`);
    const result = spawnSync('bash', [path.join(root, 'scripts', 'ensure-tools.sh')], { stdio: 'inherit' });
    if (result.status !== 0) throw new Error('scripts/ensure-tools.sh could not install the tools (see above)');
    found = locateTools();
  }
  const stillMissing = (Object.keys(found) as Tool[]).filter((t) => found[t] === undefined);
  if (stillMissing.length > 0) {
    const names = stillMissing.map((t) => TOOLS[t].join(' or ')).join(', ');
    throw new Error(`missing on PATH: ${names}; run scripts/ensure-tools.sh (Debian/Ubuntu, as root) or install them`);
  }
  return found as Record<Tool, string>;
}

function locateTools(): Record<Tool, string | undefined> {
  return {
    prometheus: findExecutable(TOOLS.prometheus),
    alertmanager: findExecutable(TOOLS.alertmanager),
    postgresExporter: findExecutable(TOOLS.postgresExporter),
    haproxy: findExecutable(TOOLS.haproxy),
  };
}
