/**
 * Moderator sessions: a bearer secret (only its hash is stored) bound to one room. The TTL
 * slides while the session is used but never past an absolute cap from its creation.
 */
import * as v from 'valibot';
import type { Store } from '../store/store.ts';
import { randomToken, sha256Hex } from './secrets.ts';

const SessionRecord = v.object({
  id: v.string(),
  room: v.string(),
  label: v.string(),
  key_id: v.string(),
  created: v.number(),
  last_seen: v.number(),
  expires: v.number(),
  absolute_expires: v.number(),
});
export type SessionRecord = v.InferOutput<typeof SessionRecord>;

const byHash = (hash: string) => `session:${hash}`;
const byId = (id: string) => `session-id:${id}`;
/** Writing last_seen on every request would make each API call a store write; this is plenty. */
const TOUCH_EVERY_MS = 30_000;

export class Sessions {
  constructor(
    private readonly store: Store,
    private readonly ttlSeconds: number,
    private readonly maxSeconds: number,
  ) {}

  async create(input: { room: string; label: string; keyId: string }): Promise<{ secret: string; record: SessionRecord }> {
    const secret = randomToken(32);
    const hash = await sha256Hex(secret);
    const now = Date.now();
    const absolute = now + this.maxSeconds * 1000;
    const record: SessionRecord = {
      id: randomToken(9),
      room: input.room,
      label: input.label,
      key_id: input.keyId,
      created: now,
      last_seen: now,
      expires: Math.min(now + this.ttlSeconds * 1000, absolute),
      absolute_expires: absolute,
    };
    await this.write(hash, record);
    return { secret, record };
  }

  /** The live session for a secret, its expiry slid forward; null when unknown or expired. */
  async resolve(secret: string): Promise<SessionRecord | null> {
    if (secret.length < 20 || secret.length > 100) return null;
    const hash = await sha256Hex(secret);
    const raw = await this.store.get(byHash(hash));
    if (raw === null) return null;
    const record = v.parse(SessionRecord, JSON.parse(raw));
    const now = Date.now();
    if (now >= record.expires) return null;
    if (now - record.last_seen >= TOUCH_EVERY_MS) {
      record.last_seen = now;
      record.expires = Math.min(now + this.ttlSeconds * 1000, record.absolute_expires);
      await this.write(hash, record);
    }
    return record;
  }

  async list(): Promise<SessionRecord[]> {
    const records: SessionRecord[] = [];
    for (const idKey of await this.store.keys('session-id:')) {
      const hash = await this.store.get(idKey);
      const raw = hash ? await this.store.get(byHash(hash)) : null;
      if (raw) records.push(v.parse(SessionRecord, JSON.parse(raw)));
    }
    return records.sort((a, b) => a.created - b.created);
  }

  /** A live session by its public id, without sliding its expiry (for "who am I"). */
  async get(id: string): Promise<SessionRecord | null> {
    const hash = await this.store.get(byId(id));
    const raw = hash ? await this.store.get(byHash(hash)) : null;
    return raw ? v.parse(SessionRecord, JSON.parse(raw)) : null;
  }

  async end(id: string): Promise<SessionRecord | null> {
    const hash = await this.store.getDel(byId(id));
    if (!hash) return null;
    const raw = await this.store.getDel(byHash(hash));
    return raw ? v.parse(SessionRecord, JSON.parse(raw)) : null;
  }

  private async write(hash: string, record: SessionRecord): Promise<void> {
    const ttl = Math.max(1, Math.ceil((record.expires - Date.now()) / 1000));
    await this.store.set(byHash(hash), JSON.stringify(record), ttl);
    await this.store.set(byId(record.id), hash, ttl);
  }
}
