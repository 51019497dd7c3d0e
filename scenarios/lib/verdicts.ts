import { evaluate, isWindowProbe, judge, type Probe, type ProbeContext, type ProbeResult } from './probes';

/** Where a phase's window probes look: from fromMs, judged no earlier than closesAtMs (epoch ms). */
export interface FaultWindow {
  fromMs: number;
  closesAtMs: number;
}

/** A probe's outcome in a phase; heldAt is the runner's clock when it was settled as passed. */
export type Outcome = ProbeResult & { heldAt?: number };

/**
 * The verdicts of one phase. A level probe holds once it passed on `consecutive` polls in a row
 * (one lucky poll is not enough). A window probe is judged exactly once: when the window has closed
 * and has the observations it needs, or at the deadline with what it has.
 */
export class PhaseVerdicts {
  private readonly streak = new Map<string, number>();
  private readonly settled = new Map<string, Outcome>();
  private readonly last = new Map<string, ProbeResult>();

  constructor(
    private readonly probes: Probe[],
    private readonly consecutive: number,
    private readonly window: FaultWindow,
  ) {}

  /** One round over the probes not settled yet; returns the outcomes settled in this round. */
  async poll(ctx: ProbeContext, ageSeconds: number, atDeadline: boolean, clock: number): Promise<Outcome[]> {
    const now = Date.now();
    const pending = this.probes.filter((p) => !this.settled.has(p.name));
    const settledNow: Outcome[] = [];
    await Promise.all(
      pending.map(async (probe) => {
        if (isWindowProbe(probe)) {
          if (now < this.window.closesAtMs && !atDeadline) return;
          const { ready, result } = await judge(probe, ctx, { fromMs: this.window.fromMs, toMs: now });
          this.last.set(probe.name, result);
          if (ready || atDeadline) settledNow.push(this.settle(result, clock));
          return;
        }
        const result = await evaluate(probe, ctx, ageSeconds);
        this.last.set(probe.name, result);
        const streak = result.ok ? (this.streak.get(probe.name) ?? 0) + 1 : 0;
        this.streak.set(probe.name, streak);
        if (streak >= this.consecutive) settledNow.push(this.settle(result, clock));
      }),
    );
    return settledNow;
  }

  private settle(result: ProbeResult, clock: number): Outcome {
    const outcome = result.ok ? { ...result, heldAt: clock } : result;
    this.settled.set(result.name, outcome);
    return outcome;
  }

  /** Every probe settled as passed. */
  get allHeld(): boolean {
    return this.probes.every((p) => this.settled.get(p.name)?.ok === true);
  }

  /** A window probe was judged and failed: the phase cannot pass any more. */
  get lost(): boolean {
    return [...this.settled.values()].some((o) => !o.ok);
  }

  /** Counts for the progress line. */
  get heldCount(): number {
    return [...this.settled.values()].filter((o) => o.ok).length;
  }

  /** Per probe: its settled outcome, else a failure showing the last result seen and how many polls it held. */
  results(): Outcome[] {
    return this.probes.map((p) => {
      const settled = this.settled.get(p.name);
      if (settled) return settled;
      const last = this.last.get(p.name);
      if (!last) return { name: p.name, ok: false, value: 'not judged', expected: '' };
      const held = isWindowProbe(p)
        ? 'window not complete'
        : `held on ${this.streak.get(p.name) ?? 0} of ${this.consecutive} polls`;
      return { ...last, ok: false, value: `${last.value} (${held})` };
    });
  }

  /** Whether the outcome is final (settled) or the last of an unsettled level probe. */
  isSettled(name: string): boolean {
    return this.settled.has(name);
  }
}
