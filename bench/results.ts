/** One measured figure: a value per run, summarised as min / median / max in the report. */
export interface Figure {
  label: string;
  unit: string;
  values: number[];
  /** Decimals shown in the table. */
  digits: number;
  /** The target in words ("≥ 0.85"), when the figure has one. */
  target?: string;
  /** Whether the target is met (judged by the section, over every run unless the target says otherwise). */
  met?: boolean;
}

/** The result of one part of the benchmark. */
export interface SectionResult {
  id: SectionId;
  title: string;
  /** How it was measured, in one or two sentences. */
  setup: string;
  figures: Figure[];
  notes: string[];
  /** Set when the section could not run; says why. */
  skipped?: string;
  seconds: number;
}

export const SECTION_TITLES = {
  overhead: '1. Overhead at zero faults',
  transfers: "2. Transfers against the database's own ceiling",
  precision: '3. Fault precision',
  scrape: '4. Scrape cost',
  detect: '5. Time to detect',
  dependency: '6. The risk check: its cost per transfer, and the breaker',
  replicas: '7. Replicas: fault propagation and the load-balancer hop',
} as const;
export type SectionId = keyof typeof SECTION_TITLES;
export const SECTION_IDS = Object.keys(SECTION_TITLES) as SectionId[];

export function figure(
  label: string,
  unit: string,
  values: number[],
  digits: number,
  target?: { text: string; met: boolean },
): Figure {
  return { label, unit, values, digits, ...(target && { target: target.text, met: target.met }) };
}
