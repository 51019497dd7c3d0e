/** Smallest, middle and largest of a set of measurements (the median of an even count is the mean of the middle two). */
export interface Summary {
  min: number;
  median: number;
  max: number;
  n: number;
}

export function summarize(values: readonly number[]): Summary {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 0) return { min: NaN, median: NaN, max: NaN, n: 0 };
  const mid = Math.floor(n / 2);
  const median = n % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  return { min: sorted[0] as number, median, max: sorted[n - 1] as number, n };
}

/** How many binomial standard deviations an observed share lies from the expected probability p. */
export function binomialZ(observed: number, n: number, p: number): number {
  const sd = Math.sqrt((p * (1 - p)) / n);
  return sd === 0 ? (observed === p ? 0 : Infinity) : (observed - p) / sd;
}

/** a[i] / b[i] for each run: ratios of measurements taken side by side. */
export function paired(a: readonly number[], b: readonly number[]): number[] {
  return a.map((value, i) => value / (b[i] as number));
}
