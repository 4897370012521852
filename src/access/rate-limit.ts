/**
 * Fixed-window rate limits kept in the store, so they hold across processes sharing Redis.
 * Buckets follow the FastAPI version's names and numbers.
 */
import { AppError } from '../errors.ts';
import type { Store } from '../store/store.ts';

export interface Bucket {
  name: string;
  limit: number;
  windowSeconds: number;
}

export const BUCKETS = {
  upload: { name: 'upload', limit: 20, windowSeconds: 60 },
  /** POST /api/rooms/:room/ops, per credential and room (a request carries at most 100 ops). */
  sceneOps: { name: 'scene_ops', limit: 300, windowSeconds: 60 },
  modkeyGenerate: { name: 'modkey_generate', limit: 10, windowSeconds: 60 },
  modkeyConsume: { name: 'modkey_consume', limit: 20, windowSeconds: 60 },
  ttsSpeak: { name: 'tts_speak', limit: 30, windowSeconds: 60 },
  streamerAuthFailure: { name: 'streamer_auth_fail', limit: 10, windowSeconds: 60 },
  webrtcToken: { name: 'webrtc_token', limit: 30, windowSeconds: 60 },
} as const satisfies Record<string, Bucket>;

export class RateLimiter {
  constructor(private readonly store: Store) {}

  /** Count one hit; over the limit throws 429 with Retry-After. */
  async hit(bucket: Bucket, client: string): Promise<void> {
    const { count, ttlSeconds } = await this.store.incrWithTtl(key(bucket, client), bucket.windowSeconds);
    if (count > bucket.limit) throw tooMany(bucket, ttlSeconds);
  }

  /**
   * Guard one comparison of a secret. Every attempt takes its numbered place in the count
   * atomically, and its answer is decided by that place, so a burst of concurrent guesses
   * cannot all pass a check made before any of them was counted: past the limit a guess is
   * refused (429), a right secret included. The compare itself is constant-time and its result
   * is only acted on after counting. A right secret is counted as right *before* it takes its
   * place, so the streamer's own concurrent requests never push each other over the limit (the
   * limit counts failures). Counters are keyed by fixed window, so both start and end together.
   */
  async guardSecret(bucket: Bucket, client: string, compare: () => Promise<boolean>): Promise<boolean> {
    const windowMs = bucket.windowSeconds * 1000;
    const now = Date.now();
    const windowKey = `${key(bucket, client)}:${Math.floor(now / windowMs)}`;
    const secondsLeft = Math.max(1, Math.ceil((windowMs - (now % windowMs)) / 1000));
    const right = await compare();
    if (right) await this.store.incrWithTtl(`${windowKey}:right`, secondsLeft);
    const { count } = await this.store.incrWithTtl(`${windowKey}:tries`, secondsLeft);
    // Read after taking a place: every right attempt counted before ours is in it already.
    const failures = count - Number((await this.store.get(`${windowKey}:right`)) ?? 0);
    // A wrong attempt is one of the failures it counts; a right one is refused once `limit` failed.
    if (right ? failures >= bucket.limit : failures > bucket.limit) throw tooMany(bucket, secondsLeft);
    return right;
  }
}

const key = (bucket: Bucket, client: string) => `rl:${bucket.name}:${client}`;

function tooMany(bucket: Bucket, retryAfter: number): AppError {
  return new AppError(429, 'rate_limited', `too many requests (${bucket.name}: ${bucket.limit} per ${bucket.windowSeconds} s)`, {
    headers: { 'Retry-After': String(Math.max(1, Math.ceil(retryAfter))) },
  });
}
