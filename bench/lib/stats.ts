/** Percentiles and medians for benchmark samples (nearest-rank; no interpolation). */

export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))]!;
}

export const median = (samples: readonly number[]) => percentile(samples, 50);

/** Round to `digits` decimals, keeping NaN/Infinity as they are (JSON turns them into null). */
export function round(value: number, digits = 2): number {
  if (!Number.isFinite(value)) return value;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** ours / baseline for each paired run, then the median: pairs share the machine's noise. */
export function pairedRatio(ours: readonly number[], baseline: readonly number[]): number {
  const ratios = ours.map((value, i) => value / baseline[i]!).filter((r) => Number.isFinite(r));
  // A baseline of 0 (e.g. a latency below the tool's 1 ms resolution) has no meaningful ratio.
  if (ratios.length * 2 < ours.length) return NaN;
  return round(median(ratios), 2);
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
