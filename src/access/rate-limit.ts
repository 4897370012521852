/**
 * Fixed-window rate limits kept in the store, so they hold across processes sharing Redis.
 * Buckets follow the FastAPI version's names and numbers.
 */
import { AppError } from '../errors.ts';
import type { Store } from '../store/store.ts';
import { ExchangeRateLimited, type ExchangeLimit } from '../store/record-exchange.ts';

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
   * Count one hit inside a store exchange (RecordExchange.limit: the same counter as hit()'s,
   * in the exchange's atomic step instead of a round trip of its own); a refused hit becomes
   * the same 429 with Retry-After that hit() throws, and the exchange took nothing.
   */
  async exchange<T>(bucket: Bucket, client: string, run: (limit: ExchangeLimit) => Promise<T>): Promise<T> {
    try {
      return await run({ key: key(bucket, client), max: bucket.limit, windowSeconds: bucket.windowSeconds });
    } catch (err) {
      if (err instanceof ExchangeRateLimited) throw tooMany(bucket, err.ttlSeconds);
      throw err;
    }
  }

  /**
   * Guard one comparison of a secret; the limit counts failures. A wrong secret takes its
   * numbered place among the failures atomically and its answer is decided by that place, so
   * a burst of concurrent guesses cannot all pass a check made before any of them was
   * counted: past the limit a guess is refused (429). A right secret only reads the count
   * (one store read, no write: the streamer's own requests never use up the budget) and is
   * refused once the limit of failures is reached. The compare itself is constant-time.
   * Counters are keyed by fixed window, so both start and end together.
   */
  async guardSecret(bucket: Bucket, client: string, compare: () => boolean | Promise<boolean>): Promise<boolean> {
    const windowMs = bucket.windowSeconds * 1000;
    const now = Date.now();
    const failuresKey = `${key(bucket, client)}:${Math.floor(now / windowMs)}:failures`;
    const secondsLeft = Math.max(1, Math.ceil((windowMs - (now % windowMs)) / 1000));
    if (await compare()) {
      if (Number((await this.store.get(failuresKey)) ?? 0) >= bucket.limit) throw tooMany(bucket, secondsLeft);
      return true;
    }
    const { count } = await this.store.incrWithTtl(failuresKey, secondsLeft);
    if (count > bucket.limit) throw tooMany(bucket, secondsLeft);
    return false;
  }
}

const key = (bucket: Bucket, client: string) => `rl:${bucket.name}:${client}`;

function tooMany(bucket: Bucket, retryAfter: number): AppError {
  return new AppError(429, 'rate_limited', `too many requests (${bucket.name}: ${bucket.limit} per ${bucket.windowSeconds} s)`, {
    headers: { 'Retry-After': String(Math.max(1, Math.ceil(retryAfter))) },
  });
}
