import path from 'node:path';
import { parseArgs } from 'node:util';
import { projectRoot } from '../app/paths';
import { GameError } from './game';
import { FAMILIES, INCIDENTS, SCOPES } from './incidents';
import { parseGameOptions, type Problem } from './options';
import { GAME_LOCK_FILE, gameDayOptions, startGameDay } from './session';

const USAGE = `Usage: node --import tsx gameday/cli.ts <command> [options]

  start   --rounds 3 --round-seconds 300 --teams red,blue [--seed N] [--cooldown 20] [--load-rate 20]
          [--incidents id,id] runs a game day against the running stack (make up); the seed is printed for a
          replay; --incidents draws only among ${INCIDENTS.map((i) => i.id).join(', ')}
  answer  --team red --family ${FAMILIES.join('|')} --scope ${SCOPES.join('|')}|<replica id> --started <ISO time|-90s>
  board   prints the leaderboard
  reveal  ends the open round now (facilitator)
  stop    stops the game; the open round's faults are reset (facilitator)

Environment: API_URL (http://127.0.0.1:5000), RISK_URL (http://127.0.0.1:5001; its incidents are drawn
only when the risk service answers there), PROMETHEUS_URL (http://127.0.0.1:9090), GAMEDAY_URL
(http://127.0.0.1:5080), CHAOS_TOKEN (the facilitator token, when the API has one), REPORTS_DIR (reports).`;

const env = process.env;
const gameUrl = env.GAMEDAY_URL ?? 'http://127.0.0.1:5080';
const headers = () => ({
  'content-type': 'application/json',
  ...(env.CHAOS_TOKEN && { authorization: `Bearer ${env.CHAOS_TOKEN}` }),
});

/** "-90s" means 90 seconds ago; anything else is passed on as the time the team typed. */
function startedAt(value: string): string {
  const ago = /^-(\d+)s$/.exec(value);
  return ago ? new Date(Date.now() - Number(ago[1]) * 1000).toISOString() : value;
}

async function call(method: 'GET' | 'POST', route: string, body?: unknown): Promise<number> {
  const res = await fetch(`${gameUrl}${route}`, {
    method,
    headers: headers(),
    ...(body !== undefined && { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(5000),
  }).catch((err: Error) => {
    throw new Error(`no game answers at ${gameUrl} (${err.message}): start one with make gameday`, { cause: err });
  });
  console.log(JSON.stringify(await res.json(), null, 2));
  return res.ok ? 0 : 1;
}

/** Problems as the command line names them (its options: --round-seconds for round_seconds). */
const listed = (problems: readonly Problem[]) =>
  problems.map((p) => `  - ${p.path.replace('_', '-')}: ${p.message}`).join('\n');

async function start(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: Object.fromEntries(
      ['rounds', 'round-seconds', 'teams', 'seed', 'cooldown', 'load-rate', 'incidents'].map((k) => [
        k,
        { type: 'string' as const },
      ]),
    ),
  });
  const parsed = parseGameOptions(Object.fromEntries(Object.entries(values).map(([k, v]) => [k.replace('-', '_'), v])));
  if (!parsed.ok) {
    console.error(`invalid options:\n${listed(parsed.problems)}\n\n${USAGE}`);
    return 2;
  }
  const o = gameDayOptions(parsed.options, {
    apiUrl: env.API_URL ?? 'http://127.0.0.1:5000',
    riskUrl: env.RISK_URL ?? 'http://127.0.0.1:5001',
    prometheusUrl: env.PROMETHEUS_URL ?? 'http://127.0.0.1:9090',
    token: env.CHAOS_TOKEN || undefined,
    port: Number(new URL(gameUrl).port || 5080),
    reportsDir: env.REPORTS_DIR ?? path.join(projectRoot(), 'reports'),
    lockFile: GAME_LOCK_FILE,
    onEvent: (line) => console.log(`${new Date().toISOString()} ${line}`),
  });
  console.log(
    `game day: seed ${o.seed}, ${o.rounds} rounds of ${o.roundSeconds} s, teams ${o.teams.join(', ')}` +
      (o.incidents ? `, incidents ${o.incidents.join(', ')}` : ''),
  );
  const day = await startGameDay(o).catch((err: unknown) => {
    if (!(err instanceof GameError)) throw err;
    console.error(`${err.message}\n${listed((err.details?.['problems'] ?? []) as Problem[])}`);
    return err.status === 400 ? 2 : 1;
  });
  if (typeof day === 'number') return day;
  console.log(`teams answer with make gameday-answer; the game's endpoints are on ${day.url}/game`);
  // The first signal stops the game (the open round is reset); a killed process leaves faults that expire.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => day.stop());
  const { record, report } = await day.done;
  console.log('\nleaderboard:');
  for (const l of record.leaderboard) console.log(`  ${l.team.padEnd(16)} ${l.score}`);
  console.log(`debrief: ${path.relative(process.cwd(), report.markdown)} (seed ${record.seed})`);
  return 0;
}

async function main(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  switch (command) {
    case 'start':
      return start(rest);
    case 'answer': {
      const { values } = parseArgs({
        args: rest,
        options: {
          team: { type: 'string' },
          family: { type: 'string' },
          scope: { type: 'string' },
          started: { type: 'string' },
        },
      });
      return call('POST', '/game/diagnoses', {
        ...values,
        started: undefined,
        started_at: startedAt(values.started ?? ''),
      });
    }
    case 'board':
      return call('GET', '/game/leaderboard');
    case 'reveal':
      return call('POST', '/game/reveal');
    case 'stop':
      return call('POST', '/game/stop');
    default:
      console.log(USAGE);
      return command === undefined || command === '--help' ? 0 : 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(err.message);
    process.exit(1);
  },
);
