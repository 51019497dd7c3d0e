import { spawnSync } from 'node:child_process';

/**
 * The flags postgres_exporter needs against PostgreSQL 17 and later, for its version. PostgreSQL 17
 * moved the checkpointer columns from pg_stat_bgwriter to pg_stat_checkpointer:
 * - up to 0.12 the collector reading them is named `bgwriter`;
 * - 0.13 renamed it `stat_bgwriter` (the old flag then stops the exporter: "unknown long flag");
 * - 0.17 reads pg_stat_checkpointer itself on PostgreSQL 17+, so nothing needs turning off.
 */
export function postgresExporterFlags(version: string): string[] {
  const [major = 0, minor = 0] = parseVersion(version);
  if (major > 0 || minor >= 17) return [];
  if (minor >= 13) return ['--no-collector.stat_bgwriter'];
  return ['--no-collector.bgwriter'];
}

/** "0.11.1" from `postgres_exporter --version` output, or from an image tag such as "v0.20.1". */
export function parseExporterVersion(text: string): string {
  const match = /(?:version\s+|^v?)(\d+\.\d+\.\d+)/m.exec(text);
  if (!match?.[1]) throw new Error(`no postgres_exporter version in: ${text.slice(0, 200)}`);
  return match[1];
}

/** The version of the postgres_exporter binary at `path` (it prints it to stderr or stdout, by version). */
export function exporterVersionOf(path: string): string {
  const result = spawnSync(path, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  return parseExporterVersion(`${result.stdout ?? ''}${result.stderr ?? ''}`);
}

function parseVersion(version: string): number[] {
  return parseExporterVersion(version).split('.').map(Number);
}
