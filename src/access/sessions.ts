/**
 * Moderator sessions: a bearer secret (only its hash is stored) bound to one room. The TTL
 * slides while the session is used but never past an absolute cap from its creation.
 */
import * as v from 'valibot';
import type { Store } from '../store/store.ts';
import { randomToken, sha256Hex } from './secrets.ts';
import { HashedRecords } from './hashed-records.ts';
import { slideExpiry } from './sliding-expiry.ts';
import { ItemFilter, ScopeName, grantFrom, type Grant } from '../protocol/scopes.ts';

/**
 * Redis's cjson writes an empty Lua table as `{}`: a session the key-exchange script copied an
 * empty `scopes` (no rights) into comes back as an object, which means the empty list.
 */
const EmptyLuaTable = v.pipe(v.strictObject({}), v.transform((): never[] => []));

const SessionRecord = v.object({
  id: v.string(),
  room: v.string(),
  label: v.string(),
  key_id: v.string(),
  /** Where the key was consumed from (sessions stored before this field have none). */
  address: v.optional(v.string()),
  created: v.number(),
  last_seen: v.number(),
  expires: v.number(),
  absolute_expires: v.number(),
  /** Copied from the key; absent on sessions from before scopes (default rights). */
  scopes: v.optional(v.union([v.array(ScopeName), EmptyLuaTable])),
  items: v.optional(v.nullable(v.union([ItemFilter, EmptyLuaTable]))),
});
export type SessionRecord = v.InferOutput<typeof SessionRecord>;

/** Writing last_seen on every request would make each API call a store write; this is plenty. */

export class Sessions {
  private readonly records: HashedRecords<typeof SessionRecord>;

  constructor(
    store: Store,
    private readonly ttlSeconds: number,
    private readonly maxSeconds: number,
  ) {
    this.records = new HashedRecords(store, 'session', SessionRecord);
  }

  async create(input: { room: string; label: string; keyId: string; address?: string; grant?: Grant }): Promise<{ secret: string; record: SessionRecord }> {
    const prepared = await this.prepare(input.address, input.grant);
    const record: SessionRecord = { ...prepared.record, room: input.room, label: input.label, key_id: input.keyId };
    await this.write(prepared.hash, record);
    return { secret: prepared.secret, record };
  }

  /**
   * A new session not stored yet, for a one-step exchange (ModeratorKeys.exchangeForSession):
   * its room, label and key_id come from the key, `storage` says where it goes.
   */
  async prepare(address?: string, grant?: Grant): Promise<PreparedSession> {
    const secret = randomToken(32);
    const hash = await sha256Hex(secret);
    const now = Date.now();
    const absolute = now + this.maxSeconds * 1000;
    const record = {
      id: randomToken(9),
      ...(address !== undefined ? { address } : {}),
      created: now,
      last_seen: now,
      expires: Math.min(now + this.ttlSeconds * 1000, absolute),
      absolute_expires: absolute,
      ...(grant ? grantFields(grant) : {}),
    };
    return {
      secret,
      hash,
      record,
      storage: { key: this.records.byHash(hash), indexKey: this.records.byId(record.id), indexValue: hash, ttlSeconds: ttlUntil(record.expires) },
    };
  }

  /** The live session for a secret, its expiry slid forward; null when unknown or expired. */
  async resolve(secret: string): Promise<SessionRecord | null> {
    const found = await this.lookup(secret);
    if (!found) return null;
    const { hash, record } = found;
    if (slideExpiry(record, this.ttlSeconds)) await this.write(hash, record);
    return record;
  }

  /** Whether a secret names a live session, without sliding it (for a cookie the request does not use). */
  async isLive(secret: string): Promise<boolean> {
    return (await this.lookup(secret)) !== null;
  }

  private async lookup(secret: string): Promise<{ hash: string; record: SessionRecord } | null> {
    if (secret.length < 20 || secret.length > 100) return null;
    const hash = await sha256Hex(secret);
    const record = await this.records.getByHash(hash);
    if (record === null || Date.now() >= record.expires) return null;
    return { hash, record };
  }

  async list(): Promise<SessionRecord[]> {
    return (await this.records.list()).sort((a, b) => a.created - b.created);
  }

  /** A live session by its public id, without sliding its expiry (for "who am I"). */
  async get(id: string): Promise<SessionRecord | null> {
    return this.records.getById(id);
  }

  /** Replaces a live session's scopes (the streamer's PATCH); null when it is not live. */
  async setGrant(id: string, grant: Grant): Promise<SessionRecord | null> {
    const found = await this.records.getWithHashById(id);
    if (!found || Date.now() >= found.record.expires) return null;
    const { scopes: _scopes, items: _items, ...rest } = found.record;
    const record: SessionRecord = { ...rest, ...grantFields(grant) };
    await this.write(found.hash, record);
    return record;
  }

  async end(id: string): Promise<SessionRecord | null> {
    return this.records.takeById(id);
  }

  private async write(hash: string, record: SessionRecord): Promise<void> {
    await this.records.put(hash, record, ttlUntil(record.expires));
  }
}

/** What a session record holds, as the grant the room and routes check. */
export const sessionGrant = (record: SessionRecord): Grant => grantFrom(record);

const grantFields = (grant: Grant) => ({ scopes: [...grant.scopes], ...(grant.items && grant.items.length > 0 ? { items: [...grant.items] } : {}) });

export interface PreparedSession {
  secret: string;
  hash: string;
  record: Omit<SessionRecord, 'room' | 'label' | 'key_id'>;
  storage: { key: string; indexKey: string; indexValue: string; ttlSeconds: number };
}

const ttlUntil = (expires: number) => Math.max(1, Math.ceil((expires - Date.now()) / 1000));
