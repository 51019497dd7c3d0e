import { setTimeout as sleep } from 'node:timers/promises';
import type { FaultChange, FaultClient } from '../kit/faults';
import type { PrometheusClient } from '../kit/prometheus';
import { FAMILIES, injection, SCOPES, serviceOf, SIGNALS, type SignalKey, type StackShape } from './incidents';
import { planGame, type PlannedRound } from './plan';
import { diagnosisSchema, score, type Diagnosis, type Verdict } from './scoring';

/** The shape of a game: the facilitator's choices. */
export interface GameOptions {
  seed: number;
  rounds: number;
  roundSeconds: number;
  /** Pause after each reset so the next round starts from calm signals. */
  cooldownSeconds: number;
  teams: readonly string[];
  /** Draw only among these incident ids (default: the whole catalogue). */
  incidents?: readonly string[];
}

/** One answer as the debrief shows it. */
export interface Answer {
  team: string;
  at: string;
  diagnosis: Omit<Diagnosis, 'team'>;
  verdict: Verdict;
}

/** A sample of a main signal: epoch ms and its value (undefined: no data yet). */
export interface Sample {
  t: number;
  v: number | undefined;
}

/** What happened in one round: the plan, the real timeline and the answers. */
export interface RoundRecord {
  round: number;
  /** The ground truth; scope is the replica's id for a "one-replica" incident. */
  incident: { id: string; story: string; family: string; scope: string; signals: readonly SignalKey[] };
  opened_at: string;
  injected_at?: string;
  stages: { at: string; faults: Record<string, unknown> }[];
  first_alert?: { name: string; at: string };
  first_signal?: { signal: SignalKey; at: string; value: number };
  closed_at?: string;
  ended_by?: 'time' | 'reveal' | 'stop';
  answers: Answer[];
  samples: Record<SignalKey, Sample[]>;
}

export interface GameRecord {
  seed: number;
  options: GameOptions;
  stack: StackShape;
  started_at: string;
  finished_at?: string;
  rounds: RoundRecord[];
  leaderboard: { team: string; score: number }[];
}

/** A refused diagnosis or command: the HTTP status and the error body's code, message and details. */
export class GameError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 409 | 502,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

type Faults = Pick<FaultClient, 'inject' | 'reset'>;

export interface GameDeps {
  /** Each service's fault API: the API's, and the risk service's when the stack has one. */
  faults: { api: Faults; risk?: Faults };
  /** What the stack offers the draw (replicas, risk service); its replica ids are also diagnosis scopes. */
  stack: StackShape;
  prometheus: Pick<PrometheusClient, 'value' | 'firingAlerts'>;
  /** One line per game event (round opened, injected, answer, reveal). */
  onEvent?: (line: string, round?: RoundRecord) => void;
}

/**
 * Masks every service from a round's start, each with its own expiry: the one that will carry the incident and
 * the others then answer alike, and the moment of the injection changes nothing a team can read.
 */
export async function maskEveryService(clients: readonly (Faults | undefined)[], expirySeconds: number): Promise<void> {
  const given = clients.filter((c) => c !== undefined);
  for (const result of await Promise.all(given.map((c) => c.inject({ hidden: true }, expirySeconds))))
    if (!result.ok)
      throw new Error(`the fault API refused the masking: HTTP ${result.status} ${JSON.stringify(result.body)}`);
}

const iso = (ms: number) => new Date(ms).toISOString();
/** Each injection's expiry exceeds the round by this much, so the fault is off soon after even if the game dies. */
const EXPIRY_GRACE_S = 5;
const POLL_MS = 1000;

/**
 * A game day: rounds drawn from the seed; in each, one hidden incident injected with an expiry, the main
 * signals and alerts polled for the debrief, diagnoses scored, then a reveal and a reset that always runs.
 */
export class Game {
  readonly plan: PlannedRound[];
  readonly record: GameRecord;
  /** What a diagnosis may name as scope: the fixed scopes and the stack's replicas. */
  readonly scopes: readonly string[];
  private readonly scores = new Map<string, number>();
  private open?: { record: RoundRecord; planned: PlannedRound; solved: Set<string>; end: AbortController };
  private readonly stopper = new AbortController();

  constructor(
    readonly options: GameOptions,
    private readonly deps: GameDeps,
  ) {
    this.plan = planGame(options.seed, options.rounds, options.roundSeconds, deps.stack, options.incidents);
    this.scopes = [...SCOPES, ...deps.stack.replicas];
    for (const team of options.teams) this.scores.set(team, 0);
    this.record = {
      seed: options.seed,
      options,
      stack: deps.stack,
      started_at: iso(Date.now()),
      rounds: [],
      leaderboard: [],
    };
  }

  /** Plays every round; resolves with the record once the last reset is done (or the game was stopped). */
  async run(): Promise<GameRecord> {
    try {
      for (const planned of this.plan) {
        if (this.stopper.signal.aborted) break;
        await this.playRound(planned);
        await this.pause(this.options.cooldownSeconds * 1000, this.stopper.signal);
      }
    } finally {
      this.record.finished_at = iso(Date.now());
      this.record.leaderboard = this.leaderboard();
    }
    return this.record;
  }

  /** Ends the round now (reveal and reset follow); false when no round is open. */
  reveal(): boolean {
    if (!this.open) return false;
    this.open.end.abort('reveal');
    return true;
  }

  /** Stops the game: the open round ends, its faults are reset, no further round opens. */
  stop(): void {
    this.stopper.abort('stop');
    this.open?.end.abort('stop');
  }

  leaderboard(): { team: string; score: number }[] {
    return [...this.scores].map(([team, s]) => ({ team, score: s })).sort((a, b) => b.score - a.score);
  }

  /** The public status: what teams may know (never the incident). */
  status() {
    return {
      seed: this.options.seed,
      rounds: this.options.rounds,
      round_seconds: this.options.roundSeconds,
      teams: this.options.teams,
      families: FAMILIES,
      scopes: this.scopes,
      round: this.open?.record.round,
      round_opened_at: this.open?.record.opened_at,
      finished: this.record.finished_at !== undefined,
    };
  }

  /** The ground truth of the open round, for the facilitator. */
  truth(): { round: number; family: string; scope: string; injected_at?: string } | undefined {
    if (!this.open) return undefined;
    const { record } = this.open;
    return {
      round: record.round,
      family: record.incident.family,
      scope: record.incident.scope,
      injected_at: record.injected_at,
    };
  }

  /** Scores a diagnosis of the open round; a refused one (400/409) changes no score. */
  submit(body: unknown, answeredAt = Date.now()): Answer {
    const parsed = diagnosisSchema.safeParse(body);
    const problems = parsed.success
      ? []
      : parsed.error.issues.map((i) => ({ path: i.path.join('.') || '(body)', message: i.message }));
    const team = (body as { team?: unknown } | null)?.team;
    if (typeof team === 'string' && !this.scores.has(team))
      problems.push({ path: 'team', message: `unknown team; the teams are ${this.options.teams.join(', ')}` });
    const scope = (body as { scope?: unknown } | null)?.scope;
    if (typeof scope === 'string' && !this.scopes.includes(scope))
      problems.push({ path: 'scope', message: `unknown scope; the scopes are ${this.scopes.join(', ')}` });
    if (problems.length > 0 || !parsed.success)
      throw new GameError(400, 'VALIDATION_FAILED', 'The diagnosis is invalid.', { problems });
    const open = this.open;
    if (!open)
      throw new GameError(409, 'ROUND_CLOSED', 'No round is open: diagnoses are accepted only during a round.');
    const d = parsed.data;
    if (open.solved.has(d.team))
      throw new GameError(409, 'ALREADY_SOLVED', `Team ${d.team} already named the right family this round.`);
    const { record } = open;
    const injectedAt = record.injected_at ? Date.parse(record.injected_at) : Number.POSITIVE_INFINITY;
    const verdict = score(
      d,
      { family: record.incident.family, scope: record.incident.scope, injectedAt },
      answeredAt,
      this.options.roundSeconds,
    );
    if (verdict.family) open.solved.add(d.team);
    this.scores.set(d.team, (this.scores.get(d.team) ?? 0) + verdict.points);
    const { team: _team, ...diagnosis } = d;
    const answer = { team: d.team, at: iso(answeredAt), diagnosis, verdict };
    record.answers.push(answer);
    this.deps.onEvent?.(
      `round ${record.round}: ${d.team} answered ${d.family} ${d.scope}: ${verdict.points} points`,
      record,
    );
    return answer;
  }

  private async playRound(planned: PlannedRound): Promise<void> {
    const { incident } = planned;
    const openedAt = Date.now();
    const endsAt = openedAt + this.options.roundSeconds * 1000;
    const record: RoundRecord = {
      round: planned.round,
      incident: {
        id: incident.id,
        story: incident.story,
        family: incident.family,
        scope: planned.scope,
        signals: incident.signals,
      },
      opened_at: iso(openedAt),
      stages: [],
      answers: [],
      samples: Object.fromEntries(Object.keys(SIGNALS).map((k) => [k, []])) as unknown as RoundRecord['samples'],
    };
    this.record.rounds.push(record);
    const end = new AbortController();
    this.open = { record, planned, solved: new Set(), end };
    this.deps.onEvent?.(`round ${planned.round} of ${this.options.rounds} opened`, record);
    const alreadyFiring = new Set(await this.deps.prometheus.firingAlerts().catch((): string[] => []));
    try {
      await maskEveryService(Object.values(this.deps.faults), Math.ceil((endsAt - Date.now()) / 1000) + EXPIRY_GRACE_S);
      const injectAt = openedAt + planned.offset_s * 1000;
      const pending = [...incident.stages];
      while (!end.signal.aborted && Date.now() < endsAt) {
        const stage = pending[0];
        if (stage && Date.now() >= injectAt + stage.after_s * 1000) {
          pending.shift();
          const expiry = Math.ceil((endsAt - Date.now()) / 1000) + EXPIRY_GRACE_S;
          await this.inject(record, serviceOf(incident), injection(incident, stage, planned.instance), expiry);
        }
        await this.observe(record, alreadyFiring);
        await this.pause(Math.min(POLL_MS, endsAt - Date.now()), end.signal);
      }
    } finally {
      this.open = undefined;
      record.closed_at = iso(Date.now());
      record.ended_by = (end.signal.reason as 'reveal' | 'stop' | undefined) ?? 'time';
      const clients = Object.values(this.deps.faults).filter((c) => c !== undefined);
      const resets = await Promise.all(
        clients.map((c) => c.reset().catch((err: Error) => ({ ok: false, status: err.message }))),
      );
      const failed = resets.filter((r) => !r.ok).map((r) => r.status);
      this.deps.onEvent?.(
        `round ${planned.round} revealed: ${incident.id} (${incident.family} on ${planned.scope}); reset ${failed.length === 0 ? 'done' : `FAILED (${failed.join(', ')})`}`,
        record,
      );
    }
  }

  private async inject(
    record: RoundRecord,
    service: 'api' | 'risk',
    change: FaultChange,
    expirySeconds: number,
  ): Promise<void> {
    const client = this.deps.faults[service];
    if (!client) throw new Error(`no fault API of the ${service} service to inject into`);
    const result = await client.inject(change, expirySeconds);
    if (!result.ok)
      throw new Error(`the fault API refused the injection: HTTP ${result.status} ${JSON.stringify(result.body)}`);
    const at = iso(Date.now());
    record.injected_at ??= at;
    record.stages.push({ at, faults: { ...change, duration_s: expirySeconds } });
    this.deps.onEvent?.(`round ${record.round}: incident injected`, record);
  }

  /**
   * One poll: every main signal (for the charts and the first one to show the incident) and the alerts;
   * alerts that fire before the injection are left out, like those firing when the round opened.
   */
  private async observe(record: RoundRecord, alreadyFiring: Set<string>): Promise<void> {
    const t = Date.now();
    const keys = Object.keys(SIGNALS) as SignalKey[];
    const values = await Promise.all(
      keys.map((k) => this.deps.prometheus.value(SIGNALS[k].expr).catch(() => undefined)),
    );
    const firing = await this.deps.prometheus.firingAlerts().catch((): string[] => []);
    // A signal shows the incident when it crosses its level after the injection: one still high from the
    // previous round (its window not yet past) counts only once it fell and rose again.
    const above = (k: SignalKey, v: number | undefined) => v !== undefined && v > SIGNALS[k].above;
    const crossed = keys.findIndex((k, i) => above(k, values[i]) && !above(k, record.samples[k].at(-1)?.v));
    keys.forEach((k, i) => record.samples[k].push({ t, v: values[i] }));
    if (!record.injected_at) {
      for (const name of firing) alreadyFiring.add(name);
      return;
    }
    if (!record.first_signal && crossed >= 0)
      record.first_signal = { signal: keys[crossed] as SignalKey, at: iso(t), value: values[crossed] as number };
    const alert = firing.find((name) => !alreadyFiring.has(name));
    if (!record.first_alert && alert) record.first_alert = { name: alert, at: iso(t) };
  }

  /** Waits, ending early (without an error) when the signal aborts. */
  private async pause(ms: number, signal: AbortSignal): Promise<void> {
    if (ms <= 0 || signal.aborted) return;
    await sleep(ms, undefined, { signal }).catch(() => undefined);
  }
}
