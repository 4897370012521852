/**
 * A room's recent apply latencies (overlay applied − server sent), kept in fixed time buckets
 * so the dashboard can draw p50/p95 over the last few minutes. Bounded: a bucket keeps at most
 * MAX_SAMPLES (a random sample of the rest would not change a sparkline).
 */
export const BUCKET_MS = 10_000;
export const BUCKETS_KEPT = 30;
const MAX_SAMPLES = 500;

export interface LatencyPoint {
  /** Start of the bucket, ms since the epoch. */
  t: number;
  p50: number;
  p95: number;
  n: number;
}

export class LatencyHistory {
  private readonly buckets = new Map<number, number[]>();

  record(latencyMs: number, now = Date.now()): void {
    if (!Number.isFinite(latencyMs) || latencyMs < 0) return;
    const start = now - (now % BUCKET_MS);
    let samples = this.buckets.get(start);
    if (!samples) {
      samples = [];
      this.buckets.set(start, samples);
      this.forget(now);
    }
    if (samples.length < MAX_SAMPLES) samples.push(latencyMs);
  }

  /** Oldest first; buckets without a report are left out. */
  series(now = Date.now()): LatencyPoint[] {
    this.forget(now);
    return [...this.buckets.entries()]
      .sort(([a], [b]) => a - b)
      .map(([t, samples]) => {
        const sorted = [...samples].sort((a, b) => a - b);
        return { t, p50: percentile(sorted, 0.5), p95: percentile(sorted, 0.95), n: sorted.length };
      });
  }

  private forget(now: number): void {
    const oldest = now - BUCKET_MS * BUCKETS_KEPT;
    for (const start of this.buckets.keys()) if (start < oldest) this.buckets.delete(start);
  }
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: number[], p: number): number {
  return Math.round(sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!);
}
