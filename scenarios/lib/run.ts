import { setTimeout as sleep } from 'node:timers/promises';
import { FaultClient } from '../../kit/faults';
import type { RunningLoad } from '../../kit/load';
import { AlertmanagerClient, PrometheusClient } from '../../kit/prometheus';
import { newJournal, type Journal, type Phase, type PhaseRecord } from './journal';
import { en, type Messages } from './lang/en';
import { evaluate, type ProbeContext, type ProbeResult } from './probes';
import type { Profile } from './profiles';
import type { Scenario } from './scenario';

export interface RunnerOptions {
  apiUrl: string;
  /** The risk service, for cases that inject into it (default http://127.0.0.1:5001). */
  riskUrl?: string | undefined;
  prometheusUrl: string;
  alertmanagerUrl: string;
  profile: Profile;
  chaosToken?: string | undefined;
  /** Receives progress lines. */
  log?: (line: string) => void;
  /** Aborting (e.g. Ctrl-C) stops the run; the rollback still happens. */
  signal?: AbortSignal | undefined;
  /** The language of the progress lines (default English); the journal itself is the same in every language. */
  messages?: Messages;
  /** Receives the journal so far at every progress line (the control room shows it live). */
  onProgress?: (journal: Journal) => void;
}

/** Ends a run early (a tripped guard, Ctrl-C); the rollback still runs. */
export class Aborted extends Error {}

/** One run of one scenario: its clients, clock, journal and progress lines, shared by the phases. */
export class Run {
  readonly prometheus: PrometheusClient;
  readonly alertmanager: AlertmanagerClient;
  /** The fault API the case injects into: the API's, or the risk service's. */
  readonly faults: FaultClient;
  /** The API's own control plane (its policies, for cases in halves). */
  readonly api: FaultClient;
  readonly riskUrl: string;
  readonly journal: Journal;
  readonly messages: Messages;
  readonly probes: ProbeContext;
  /** Started by the steady-state phase, stopped at the end of the run. */
  load: RunningLoad | undefined;
  /** Set once a fault was sent, so the rollback knows it must reset. */
  injected = false;
  private readonly startedMs = Date.now();
  private readonly phaseWidth: number;

  constructor(
    readonly scenario: Scenario,
    readonly options: RunnerOptions,
  ) {
    this.prometheus = new PrometheusClient(options.prometheusUrl);
    this.alertmanager = new AlertmanagerClient(options.alertmanagerUrl);
    this.api = new FaultClient(options.apiUrl, { token: options.chaosToken });
    this.riskUrl = options.riskUrl ?? 'http://127.0.0.1:5001';
    this.faults = scenario.target === 'risk' ? new FaultClient(this.riskUrl, { token: options.chaosToken }) : this.api;
    this.journal = newJournal(scenario, options.profile, this.startedMs);
    this.messages = options.messages ?? en;
    this.phaseWidth = Math.max(...Object.values(this.messages.phases).map((p) => p.length));
    this.probes = {
      prometheus: this.prometheus,
      alertmanager: this.alertmanager,
      apiUrl: options.apiUrl,
      responses: (from, to) => this.load?.responses(from, to) ?? [],
    };
  }

  get profile(): Profile {
    return this.options.profile;
  }

  /** Seconds since the run started: the clock of the journal and the progress lines. */
  elapsed(): number {
    return (Date.now() - this.startedMs) / 1000;
  }

  log(line: string): void {
    this.options.log?.(line);
  }

  say(phase: Phase, text: string): void {
    this.log(
      `[${this.elapsed().toFixed(1).padStart(5)}s] ${this.messages.phases[phase].padEnd(this.phaseWidth)} ${text}`,
    );
    this.options.onProgress?.(this.journal);
  }

  sayResult(phase: Phase, r: ProbeResult): void {
    const m = this.messages;
    this.say(phase, `${r.ok ? '✔' : '✘'} ${m.text(r.name)}: ${m.expected(m.value(r.value), m.value(r.expected))}`);
  }

  /** Opens a phase's record in the journal. */
  open(phase: Phase): PhaseRecord {
    const record: PhaseRecord = { phase, ok: false, startedAt: this.elapsed(), seconds: 0, probes: [] };
    this.journal.phases.push(record);
    return record;
  }

  close(record: PhaseRecord, ok: boolean): PhaseRecord {
    record.ok = ok;
    record.seconds = this.elapsed() - record.startedAt;
    return record;
  }

  mark(label: string): void {
    this.journal.signal.marks.push({ t: this.elapsed(), label });
  }

  /** One point of the charted signal (no data is a gap, not an error). */
  async sampleSignal(): Promise<number | undefined> {
    const v = await this.prometheus.value(this.scenario.mainSignal.expr).catch(() => undefined);
    this.journal.signal.points.push({ t: this.elapsed(), v });
    return v;
  }

  checkAbort(): void {
    if (this.options.signal?.aborted) throw new Aborted('interrupted');
  }

  /** Throws Aborted when a guard (a stop condition of the case) fails. */
  async checkGuards(): Promise<void> {
    const results = await Promise.all(this.scenario.guards.map((g) => evaluate(g, this.probes)));
    const broken = results.find((g) => !g.ok);
    if (broken) throw new Aborted(`guard "${broken.name}" failed: ${broken.value} (limit ${broken.expected})`);
  }

  /** Keeps charting the signal for a while (baseline load, holding the fault for people watching). */
  async sampleFor(seconds: number): Promise<void> {
    const end = Date.now() + seconds * 1000;
    while (Date.now() < end) {
      this.checkAbort();
      await this.sampleSignal();
      await sleep(Math.min(this.profile.pollMs, Math.max(0, end - Date.now())));
    }
  }
}
