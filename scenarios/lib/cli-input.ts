import path from 'node:path';
import { z } from 'zod';
import { projectRoot } from '../../app/paths';
import type { ScenarioFactory } from './scenario';
import { PROFILES } from './profiles';

/** The scenario CLI's environment: every variable described once, every problem reported at once. */
export const cliEnvSchema = z.object({
  API_URL: z
    .url({ protocol: /^https?$/ })
    .default('http://127.0.0.1:5000')
    .describe('The API under test.'),
  RISK_URL: z
    .url({ protocol: /^https?$/ })
    .default('http://127.0.0.1:5001')
    .describe('The risk service, for the cases that break it (7 and 8).'),
  PROMETHEUS_URL: z
    .url({ protocol: /^https?$/ })
    .default('http://127.0.0.1:9090')
    .describe('Prometheus.'),
  ALERTMANAGER_URL: z
    .url({ protocol: /^https?$/ })
    .default('http://127.0.0.1:9093')
    .describe('Alertmanager.'),
  SCENARIO_PROFILE: z
    .enum(Object.keys(PROFILES) as [keyof typeof PROFILES])
    .optional()
    .describe('fast or workshop; default: from the Prometheus scrape interval.'),
  CHAOS_TOKEN: z.string().optional().describe('Bearer token, when the API requires one.'),
  REPORTS_DIR: z.string().default(path.join(projectRoot(), 'reports')).describe('Where the reports are written.'),
  WORKSHOP_LANG: z
    .enum(['en', 'ru'])
    .optional()
    .describe('The language of the output and the reports; default: Russian under a ru_* locale, else English.'),
});
export type CliEnv = z.output<typeof cliEnvSchema>;

/** Parses the CLI's variables (empty counts as unset); the error lists every problem. */
export function parseCliEnv(env: NodeJS.ProcessEnv): { env: CliEnv } | { error: string } {
  const input = Object.fromEntries(Object.keys(cliEnvSchema.shape).flatMap((k) => (env[k] ? [[k, env[k]]] : [])));
  const parsed = cliEnvSchema.safeParse(input);
  if (parsed.success) return { env: parsed.data };
  return {
    error: `Invalid environment:\n${parsed.error.issues.map((i) => `  - ${i.path.join('.')}: ${i.message}`).join('\n')}`,
  };
}

/** The case numbers, in order. */
export function caseIds(cases: Record<number, ScenarioFactory>): number[] {
  return Object.keys(cases)
    .map(Number)
    .sort((a, b) => a - b);
}

/** The cases an argument names: one number, or `all`; undefined when it names none. */
export function selectCases(arg: string, cases: Record<number, ScenarioFactory>): number[] | undefined {
  const ids = caseIds(cases);
  if (arg === 'all') return ids;
  return ids.includes(Number(arg)) && /^\d+$/.test(arg) ? [Number(arg)] : undefined;
}

/** Number, title and page of each case, in order. */
export function describeCases(cases: Record<number, ScenarioFactory>): { id: number; title: string; doc: string }[] {
  return caseIds(cases).map((id) => {
    const { title, doc } = (cases[id] as ScenarioFactory)(PROFILES.fast, {});
    return { id, title, doc };
  });
}

export function usage(cases: Record<number, ScenarioFactory>): string {
  const ids = caseIds(cases);
  const variables = Object.entries(cliEnvSchema.shape)
    .map(([key, schema]) => {
      const fallback = schema.safeParse(undefined).data;
      return `  ${key.padEnd(17)}${schema.description ?? ''}${fallback === undefined ? '' : ` (${String(fallback)})`}`;
    })
    .join('\n');
  const list = describeCases(cases).map((c) => `  ${String(c.id).padEnd(4)}${c.title} (${c.doc})`);
  return `Usage: node --import tsx scenarios/cli.ts <${ids.join('|')}|all|list> [--lang en|ru]

Runs workshop scenarios against a running stack (make up): injects the fault, drives load,
checks the effect in Prometheus and Alertmanager, always rolls back (Ctrl-C too), and writes
reports/. Faults are injected with a safety expiry, so even a killed run leaves none on for long.

Cases (make scenario-N):
${list.join('\n')}

Environment (--lang wins over WORKSHOP_LANG):
${variables}`;
}
