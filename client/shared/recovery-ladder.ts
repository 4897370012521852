/**
 * When a broken WebRTC connection should try its next repair, and which rung it is on. The
 * steps themselves (ICE restart, relay-only, re-join) belong to whoever owns the connection;
 * this only keeps the clock, so each rung gets its time before the next is tried.
 */
/** How long each rung of the ladder gets before the next one. */
export const RUNG_MS = 5000;

export class RecoveryLadder {
  /** 0 = healthy or not yet tried; n = the n-th repair has been asked for. */
  step = 0;
  /** When the current rung started waiting; 0 = not counting (healthy or nothing to repair). */
  private unhealthySince = 0;

  /** Healthy again, or nothing to repair: the next trouble starts at the bottom. */
  reset(): void {
    this.step = 0;
    this.unhealthySince = 0;
  }

  /** Start over at the bottom, counting from now (a new publisher or a fresh re-join). */
  restartClock(now = Date.now()): void {
    this.step = 0;
    this.unhealthySince = now;
  }

  /**
   * Whether to climb now. `failed` will not heal by waiting, so the first rung comes at once;
   * every later rung waits its time. Climbing starts the next rung's clock.
   */
  due(now: number, failed: boolean): boolean {
    if (!this.unhealthySince) this.unhealthySince = now;
    const wait = failed && this.step === 0 ? 0 : RUNG_MS;
    if (now - this.unhealthySince < wait) return false;
    this.unhealthySince = now;
    this.step++;
    return true;
  }
}
