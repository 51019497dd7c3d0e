import path from 'node:path';
import { projectRoot } from '../app/paths';
import { CASES } from './cases';
import { PROFILES } from './lib/profiles';
import { runCases } from './lib/session';
import { LANGUAGES, pickLanguage } from './lib/lang';

const CASE_IDS = Object.keys(CASES).map(Number);
const USAGE = `Usage: node --import tsx scenarios/cli.ts <${CASE_IDS.join('|')}|all> [--lang en|ru]

Runs workshop scenarios against a running stack (make up): injects the fault, drives load,
checks the effect in Prometheus and Alertmanager, always rolls back (Ctrl-C too), and writes
reports/. Faults are injected with a safety expiry, so even a killed run leaves none on for long.

Environment: API_URL (http://127.0.0.1:5000), RISK_URL (http://127.0.0.1:5001, cases 7 and 8), PROMETHEUS_URL (http://127.0.0.1:9090),
ALERTMANAGER_URL (http://127.0.0.1:9093), SCENARIO_PROFILE (fast|workshop; default: from the
Prometheus scrape interval), CHAOS_TOKEN (when the API requires one), REPORTS_DIR (reports),
WORKSHOP_LANG (en|ru: the language of the output and the reports; default: Russian under a ru_* locale,
else English; --lang wins).`;

async function main(args: string[]): Promise<number> {
  const picked = pickLanguage(args, process.env);
  if ('error' in picked) {
    console.error(`${picked.error}\n\n${USAGE}`);
    return 2;
  }
  const m = LANGUAGES[picked.language];
  const arg = picked.rest[0];
  if (!arg || arg === '-h' || arg === '--help') {
    console.log(USAGE);
    return arg ? 0 : 2;
  }
  const ids = arg === 'all' ? CASE_IDS : [Number(arg)];
  if (ids.some((id) => !CASE_IDS.includes(id))) {
    console.error(`unknown scenario "${arg}"\n\n${USAGE}`);
    return 2;
  }
  const profileName = process.env.SCENARIO_PROFILE;
  if (profileName && !(profileName in PROFILES)) {
    console.error(`SCENARIO_PROFILE must be fast or workshop, not "${profileName}"`);
    return 2;
  }
  const interrupt = new AbortController();
  // The first signal starts the rollback; later ones (a second Ctrl-C) must not kill it half-way.
  // If the process is killed anyway (SIGKILL), the faults expire by themselves (duration_s).
  const onSignal = (name: NodeJS.Signals) => {
    if (interrupt.signal.aborted)
      console.error(`${name} again: still rolling back (the faults also expire by themselves)`);
    interrupt.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const journals = await runCases(ids, {
    apiUrl: process.env.API_URL ?? 'http://127.0.0.1:5000',
    riskUrl: process.env.RISK_URL ?? 'http://127.0.0.1:5001',
    prometheusUrl: process.env.PROMETHEUS_URL ?? 'http://127.0.0.1:9090',
    alertmanagerUrl: process.env.ALERTMANAGER_URL ?? 'http://127.0.0.1:9093',
    chaosToken: process.env.CHAOS_TOKEN || undefined,
    profile: profileName ? PROFILES[profileName as keyof typeof PROFILES] : undefined,
    reportsDir: process.env.REPORTS_DIR ?? path.join(projectRoot(), 'reports'),
    signal: interrupt.signal,
    messages: m,
  });
  if (journals.length > 1) {
    console.log(`\n${m.allScenarios}`);
    for (const j of journals)
      console.log(
        `  ${j.verdict === 'pass' ? 'PASS' : 'FAIL'}  ${j.scenario.id}. ${m.text(j.scenario.title)} (${j.seconds.toFixed(1)} s)`,
      );
  }
  return journals.length === ids.length && journals.every((j) => j.verdict === 'pass') ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(err.message);
    process.exit(1);
  },
);
