/**
 * At most one log line per key and window, for things a client repeats on a timer (the
 * FastAPI version's panel polls a room it may not see every 2 s): the first is logged, the
 * rest are counted and reported with the next line. Bounded: old keys are forgotten first.
 */
export class LogThrottle {
  private readonly seen = new Map<string, { at: number; suppressed: number }>();

  constructor(private readonly windowMs: number, private readonly maxKeys = 10_000) {}

  /** null: stay quiet. Otherwise log now, saying how many were left out since the last line. */
  admit(key: string, now = Date.now()): { suppressed: number } | null {
    const entry = this.seen.get(key);
    if (entry && now - entry.at < this.windowMs) {
      entry.suppressed++;
      return null;
    }
    this.seen.delete(key);
    this.seen.set(key, { at: now, suppressed: 0 });
    if (this.seen.size > this.maxKeys) this.seen.delete(this.seen.keys().next().value!);
    return { suppressed: entry?.suppressed ?? 0 };
  }
}
