import path from 'node:path';
import { parseArgs } from 'node:util';
import { projectRoot } from '../app/paths';
import { FAMILIES, SCOPES } from './incidents';
import { startGameDay } from './session';

const USAGE = `Usage: node --import tsx gameday/cli.ts <command> [options]

  start   --rounds 3 --round-seconds 300 --teams red,blue [--seed N] [--cooldown 20] [--load-rate 20]
          runs a game day against the running stack (make up); the seed is printed for a replay
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

async function start(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      rounds: { type: 'string', default: '3' },
      'round-seconds': { type: 'string', default: '300' },
      teams: { type: 'string', default: 'red,blue' },
      seed: { type: 'string' },
      cooldown: { type: 'string', default: '20' },
      'load-rate': { type: 'string', default: '20' },
    },
  });
  const numbers = {
    rounds: Number(values.rounds),
    roundSeconds: Number(values['round-seconds']),
    cooldownSeconds: Number(values.cooldown),
    loadRate: Number(values['load-rate']),
    seed: values.seed === undefined || values.seed === '' ? Math.floor(Math.random() * 1e9) : Number(values.seed),
  };
  const bad = Object.entries(numbers).filter(([, v]) => !Number.isInteger(v) || v < 0);
  const teams = values.teams
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  if (bad.length > 0 || numbers.rounds < 1 || numbers.roundSeconds < 10 || teams.length === 0) {
    console.error(
      `invalid options: ${bad.map(([k]) => k).join(', ') || 'rounds ≥ 1, round-seconds ≥ 10, teams'}\n\n${USAGE}`,
    );
    return 2;
  }
  console.log(
    `game day: seed ${numbers.seed}, ${numbers.rounds} rounds of ${numbers.roundSeconds} s, teams ${teams.join(', ')}`,
  );
  const day = await startGameDay({
    ...numbers,
    teams,
    apiUrl: env.API_URL ?? 'http://127.0.0.1:5000',
    riskUrl: env.RISK_URL ?? 'http://127.0.0.1:5001',
    prometheusUrl: env.PROMETHEUS_URL ?? 'http://127.0.0.1:9090',
    token: env.CHAOS_TOKEN || undefined,
    port: Number(new URL(gameUrl).port || 5080),
    reportsDir: env.REPORTS_DIR ?? path.join(projectRoot(), 'reports'),
    lockFile: path.join(projectRoot(), '.run', 'gameday.pid'),
    onEvent: (line) => console.log(`${new Date().toISOString()} ${line}`),
  });
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
