/** How long each phase may take: fast for CI (1 s scrape), workshop for people watching Grafana (5 s scrape). */
export interface Profile {
  name: 'fast' | 'workshop';
  /** Load before injection, so the steady-state probes have traffic to measure. */
  baselineSeconds: number;
  steadyDeadlineSeconds: number;
  detectDeadlineSeconds: number;
  /** After detection, keep the fault on this long (for people watching dashboards). */
  holdSeconds: number;
  recoveryDeadlineSeconds: number;
  pollMs: number;
  /** A level probe (a value, an alert) holds only after passing on this many polls in a row. */
  consecutivePolls: number;
  /** After injection, the fault window opens this much later (requests in flight and one scrape settle). */
  settleSeconds: number;
  /** Window probes (shares, averages, client latencies) are judged once, over at least this long. */
  faultWindowSeconds: number;
  /** The injected faults expire this long after detection and hold could have ended. */
  expiryMarginSeconds: number;
  /** PromQL window of the probes: a few scrape intervals. */
  window: string;
}

export const PROFILES: Record<Profile['name'], Profile> = {
  fast: {
    name: 'fast',
    baselineSeconds: 4,
    // Long enough for the 30 s rule windows of a previous case to clear.
    steadyDeadlineSeconds: 40,
    detectDeadlineSeconds: 50,
    holdSeconds: 0,
    recoveryDeadlineSeconds: 40,
    pollMs: 1000,
    consecutivePolls: 3,
    settleSeconds: 3,
    faultWindowSeconds: 12,
    expiryMarginSeconds: 15,
    window: '10s',
  },
  workshop: {
    name: 'workshop',
    baselineSeconds: 30,
    steadyDeadlineSeconds: 90,
    detectDeadlineSeconds: 180,
    holdSeconds: 60,
    recoveryDeadlineSeconds: 180,
    pollMs: 5000,
    consecutivePolls: 2,
    settleSeconds: 10,
    faultWindowSeconds: 40,
    expiryMarginSeconds: 30,
    window: '30s',
  },
};
