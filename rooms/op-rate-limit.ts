/**
 * How fast one moderator socket may send scene ops. A drag sends at most ~30 ops/s; one
 * panel pushing 20,000 ops in 10 s slowed every other room on the process. Each socket gets
 * a token bucket; ops over it are refused (`rate_limited`), and a socket that keeps sending
 * while refused is closed (1008). All the numbers live here.
 */

/** Ops a socket earns per second. */
export const OP_RATE_PER_SECOND = 60;
/** Ops a socket may send at once (the bucket's size; it starts full). */
export const OP_BURST = 120;
/** Refused ops within one window that make a flood; the socket is then closed. */
export const OP_FLOOD_REFUSALS = 240;
export const OP_FLOOD_WINDOW_MS = 10_000;

export type OpAdmission = 'ok' | 'rate_limited' | 'flood';

export class OpRateLimiter {
  private tokens = OP_BURST;
  private refilledAt: number;
  private refusals = 0;
  private refusalWindowStart = 0;

  constructor(now = Date.now()) {
    this.refilledAt = now;
  }

  /** Take one op's token; `now` is injectable so the rule can be tested without waiting. */
  take(now = Date.now()): OpAdmission {
    const elapsed = Math.max(0, now - this.refilledAt);
    this.tokens = Math.min(OP_BURST, this.tokens + (elapsed * OP_RATE_PER_SECOND) / 1000);
    this.refilledAt = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 'ok';
    }
    if (now - this.refusalWindowStart >= OP_FLOOD_WINDOW_MS) {
      this.refusalWindowStart = now;
      this.refusals = 0;
    }
    this.refusals++;
    return this.refusals > OP_FLOOD_REFUSALS ? 'flood' : 'rate_limited';
  }
}
