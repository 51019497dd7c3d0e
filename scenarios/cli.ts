import { CASES } from './cases';
import { caseIds, describeCases, parseCliEnv, selectCases, usage } from './lib/cli-input';
import { LANGUAGES, pickLanguage } from './lib/lang';
import { PROFILES } from './lib/profiles';
import { runCases } from './lib/session';

async function main(args: string[]): Promise<number> {
  const USAGE = usage(CASES);
  const parsed = parseCliEnv(process.env);
  if ('error' in parsed) {
    console.error(`${parsed.error}\n\n${USAGE}`);
    return 2;
  }
  const { env } = parsed;
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
  if (arg === 'list') {
    // One line per case for `make help`: the make target and the case's title.
    for (const c of describeCases(CASES)) console.log(`scenario-${c.id}\t${m.text(c.title)}`);
    return 0;
  }
  const ids = selectCases(arg, CASES);
  if (!ids) {
    console.error(`unknown scenario "${arg}": choose one of ${caseIds(CASES).join(', ')} or all\n\n${USAGE}`);
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
    apiUrl: env.API_URL,
    riskUrl: env.RISK_URL,
    prometheusUrl: env.PROMETHEUS_URL,
    alertmanagerUrl: env.ALERTMANAGER_URL,
    chaosToken: env.CHAOS_TOKEN,
    profile: env.SCENARIO_PROFILE && PROFILES[env.SCENARIO_PROFILE],
    reportsDir: env.REPORTS_DIR,
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
