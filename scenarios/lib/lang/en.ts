import type { Phase } from '../journal';

/** Every sentence the scenario runner prints or writes into a report, in English (the default). */
export const en = {
  phases: {
    preflight: 'preflight',
    'steady-state': 'steady-state',
    inject: 'inject',
    detect: 'detect',
    rollback: 'rollback',
    recovery: 'recovery',
  } as Record<Phase, string>,
  /** Scenario data (titles, hypotheses, signal and probe names) is written in English: kept as it is. */
  text: (english: string) => english,
  /** What a probe answered or expects ("not firing", "2.013 s"). */
  value: (english: string) => english,

  expected: (value: string, expected: string) => `${value} (expected ${expected})`,
  signalLine: (signal: string, value: string, held: number, total: number) =>
    `${signal}: ${value}; ${held}/${total} held`,
  load: (connections: number, rate: number | undefined, baselineSeconds: number) =>
    `load: ${connections} connections${rate ? `, ${rate} req/s` : ''}; baseline ${baselineSeconds} s`,
  injected: (faults: string, status: number, expirySeconds?: number) =>
    `${faults}${expirySeconds ? ` (expires after ${expirySeconds} s)` : ''} -> HTTP ${status}`,
  holding: (seconds: number) => `holding the fault ${seconds} s for the dashboards`,
  half: (name: string, policies: string, status: number) => `${name}: POST /api/policies ${policies} -> HTTP ${status}`,
  interrupted: 'interrupted: rolling back',
  aborted: (reason: string) => `aborted: ${reason}`,

  header: (id: number, title: string, profile: string) => `=== Scenario ${id}: ${title} (${profile} profile) ===`,
  hypothesisLine: (text: string) => `Hypothesis: ${text}`,
  files: (md: string, json: string) => `report: ${md}\njournal: ${json}`,
  allScenarios: 'All scenarios:',

  outcome: (id: number, title: string, verdict: string, seconds: string) =>
    `Scenario ${id}: ${title} — ${verdict} in ${seconds} s`,
  columns: ['phase', 'result', 'probe', 'value', 'expected', 'at'],
  chartCaption: (signal: string) => `${signal} across the run (i = injected, r = rolled back):`,
  loadTotals: (requests: number, non2xx: number, errors: number, p99Ms: number) =>
    `load: ${requests} requests, ${non2xx} non-2xx, ${errors} errors, p99 ${p99Ms} ms`,
  report: {
    title: (id: number, title: string) => `# Scenario ${id}: ${title}`,
    verdict: (verdict: string, seconds: string, profile: string, startedAt: string) =>
      `verdict: **${verdict}** in ${seconds} s (profile ${profile}, started ${startedAt})`,
    hypothesis: 'hypothesis',
    faults: 'faults',
    aborted: 'aborted',
    load: (requests: number, non2xx: number, p99Ms: number) =>
      `load: ${requests} requests, ${non2xx} non-2xx, p99 ${p99Ms} ms`,
  },
};

export type Messages = typeof en;
