/**
 * Process-wide counters behind GET /api/metrics/realtime. Field names follow the FastAPI version so
 * existing dashboards keep reading them.
 */
export class Metrics {
  sceneSaves = 0;
  wsBroadcasts = 0;
  overlayApplyReports = 0;
  webrtcSignalingMessages = 0;
  droppedSlowSockets = 0;
  private readonly applyLatencies = new LatencyWindow(1024);

  recordApply(latencyMs: number): void {
    this.overlayApplyReports++;
    if (Number.isFinite(latencyMs) && latencyMs >= 0 && latencyMs < 600_000) this.applyLatencies.add(latencyMs);
  }

  applyLatency(): { avg: number | null; p95: number | null } {
    return { avg: this.applyLatencies.average(), p95: this.applyLatencies.percentile(0.95) };
  }
}

/** The last N samples in a ring: enough for a live p95 without unbounded memory. */
export class LatencyWindow {
  private readonly samples: number[] = [];
  private next = 0;

  constructor(private readonly capacity: number) {}

  add(value: number): void {
    if (this.samples.length < this.capacity) this.samples.push(value);
    else this.samples[this.next] = value;
    this.next = (this.next + 1) % this.capacity;
  }

  average(): number | null {
    if (this.samples.length === 0) return null;
    return round(this.samples.reduce((sum, x) => sum + x, 0) / this.samples.length);
  }

  percentile(p: number): number | null {
    if (this.samples.length === 0) return null;
    const sorted = [...this.samples].sort((a, b) => a - b);
    return round(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!);
  }
}

const round = (x: number) => Math.round(x * 100) / 100;
