/**
 * Streamer sessions: what the dashboard holds instead of the streamer token. A bearer secret
 * (only its hash is stored) in an HttpOnly cookie; the TTL slides while the dashboard is used
 * but never past an absolute cap, like moderator sessions.
 */
import * as v from 'valibot';
import type { Store } from '../store/store.ts';
import { randomToken, sha256Hex } from './secrets.ts';
import { HashedRecords } from './hashed-records.ts';
import { slideExpiry } from './sliding-expiry.ts';

export const STREAMER_SESSION_COOKIE = 'so_streamer';
/** Idle this long and the dashboard asks for the token again. */
export const STREAMER_SESSION_TTL_SECONDS = 12 * 3600;
/** However busy, a streamer session ends after this long. */
export const STREAMER_SESSION_MAX_SECONDS = 7 * 24 * 3600;

const StreamerSessionRecord = v.object({
  id: v.string(),
  /** How it was opened: the streamer token or a one-time admin link. */
  via: v.picklist(['token', 'admin-link']),
  address: v.string(),
  created: v.number(),
  last_seen: v.number(),
  expires: v.number(),
  absolute_expires: v.number(),
});
export type StreamerSessionRecord = v.InferOutput<typeof StreamerSessionRecord>;

export class StreamerSessions {
  private readonly records: HashedRecords<typeof StreamerSessionRecord>;

  constructor(
    store: Store,
    private readonly ttlSeconds = STREAMER_SESSION_TTL_SECONDS,
    private readonly maxSeconds = STREAMER_SESSION_MAX_SECONDS,
  ) {
    this.records = new HashedRecords(store, 'streamer-session', StreamerSessionRecord);
  }

  async create(input: { via: StreamerSessionRecord['via']; address: string }): Promise<{ secret: string; record: StreamerSessionRecord }> {
    const secret = randomToken(32);
    const now = Date.now();
    const absolute = now + this.maxSeconds * 1000;
    const record: StreamerSessionRecord = {
      id: randomToken(9),
      via: input.via,
      address: input.address,
      created: now,
      last_seen: now,
      expires: Math.min(now + this.ttlSeconds * 1000, absolute),
      absolute_expires: absolute,
    };
    await this.write(await sha256Hex(secret), record);
    return { secret, record };
  }

  /** The live session for a secret, its expiry slid forward; null when unknown or expired. */
  async resolve(secret: string): Promise<StreamerSessionRecord | null> {
    if (secret.length < 20 || secret.length > 100) return null;
    const hash = await sha256Hex(secret);
    const record = await this.records.getByHash(hash);
    if (record === null || Date.now() >= record.expires) return null;
    if (slideExpiry(record, this.ttlSeconds)) await this.write(hash, record);
    return record;
  }

  async get(id: string): Promise<StreamerSessionRecord | null> {
    return this.records.getById(id);
  }

  async list(): Promise<StreamerSessionRecord[]> {
    return (await this.records.list()).sort((a, b) => a.created - b.created);
  }

  async end(id: string): Promise<StreamerSessionRecord | null> {
    return this.records.takeById(id);
  }

  /** "Sign out everywhere": every streamer session, this one included. */
  async endAll(): Promise<number> {
    let ended = 0;
    for (const record of await this.list()) if (await this.end(record.id)) ended++;
    return ended;
  }

  private async write(hash: string, record: StreamerSessionRecord): Promise<void> {
    await this.records.put(hash, record, Math.max(1, Math.ceil((record.expires - Date.now()) / 1000)));
  }
}
