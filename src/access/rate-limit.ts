/**
 * Fixed-window rate limits kept in the store, so they hold across processes sharing Redis.
 * Buckets follow the seed MVP's names and numbers.
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

  /** Refuse without counting when the bucket is already full (checked before comparing a secret). */
  async assertNotExceeded(bucket: Bucket, client: string): Promise<void> {
    const count = Number((await this.store.get(key(bucket, client))) ?? 0);
    if (count >= bucket.limit) throw tooMany(bucket, bucket.windowSeconds);
  }

  /** Count one failure against the bucket (the counter `get` reads: both stores share it). */
  async recordFailure(bucket: Bucket, client: string): Promise<void> {
    await this.store.incrWithTtl(key(bucket, client), bucket.windowSeconds);
  }
}

const key = (bucket: Bucket, client: string) => `rl:${bucket.name}:${client}`;

function tooMany(bucket: Bucket, retryAfter: number): AppError {
  return new AppError(429, 'rate_limited', `too many requests (${bucket.name}: ${bucket.limit} per ${bucket.windowSeconds} s)`, {
    headers: { 'Retry-After': String(Math.max(1, Math.ceil(retryAfter))) },
  });
}
