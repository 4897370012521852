/**
 * The sliding TTL both kinds of session share (moderator and streamer): use moves the expiry
 * forward, but never past the absolute cap, and at most once per TOUCH_EVERY_MS so a busy
 * socket or dashboard does not write the store on every request.
 */
const TOUCH_EVERY_MS = 30_000;

export interface SlidingRecord {
  last_seen: number;
  expires: number;
  absolute_expires: number;
}

/** Slide `record` (mutated) for use at `now`; true when it changed and must be written back. */
export function slideExpiry(record: SlidingRecord, ttlSeconds: number, now = Date.now()): boolean {
  if (now - record.last_seen < TOUCH_EVERY_MS) return false;
  record.last_seen = now;
  record.expires = Math.min(now + ttlSeconds * 1000, record.absolute_expires);
  return true;
}
