/**
 * One-time moderator keys. The store holds only the SHA-256 of a key, so a leaked store dump
 * holds no usable key; consuming is an atomic get-and-delete, so exactly one caller wins.
 */
import * as v from 'valibot';
import type { Store } from '../store/store.ts';
import { randomToken, sha256Hex } from './secrets.ts';
import { HashedRecords } from './hashed-records.ts';
import { ItemFilter, ScopeName, type Scope } from '../protocol/scopes.ts';

const KeyRecord = v.object({
  id: v.string(),
  room: v.string(),
  label: v.string(),
  streamer_id: v.string(),
  created: v.number(),
  expires: v.number(),
  /** Absent on keys issued before scopes existed: they keep the default rights. */
  scopes: v.optional(v.array(ScopeName)),
  items: v.optional(v.nullable(ItemFilter)),
});
export type KeyRecord = v.InferOutput<typeof KeyRecord>;

export class ModeratorKeys {
  private readonly records: HashedRecords<typeof KeyRecord>;

  constructor(store: Store) {
    this.records = new HashedRecords(store, 'modkey', KeyRecord);
  }

  async issue(input: { room: string; label: string; streamerId: string; ttlSeconds: number; scopes?: readonly Scope[]; items?: readonly string[] | null }): Promise<{ key: string; record: KeyRecord }> {
    const key = randomToken(32);
    const now = Date.now();
    const record: KeyRecord = {
      id: randomToken(9),
      room: input.room,
      label: input.label,
      streamer_id: input.streamerId,
      created: now,
      expires: now + input.ttlSeconds * 1000,
      ...(input.scopes ? { scopes: [...input.scopes] } : {}),
      ...(input.items && input.items.length > 0 ? { items: [...input.items] } : {}),
    };
    await this.records.put(await sha256Hex(key), record, input.ttlSeconds);
    return { key, record };
  }

  /** The record when this call consumed the key; null for unknown, used and expired alike. */
  async consume(key: string): Promise<KeyRecord | null> {
    return this.records.takeByHash(await sha256Hex(key));
  }

  async list(): Promise<KeyRecord[]> {
    return (await this.records.list()).sort((a, b) => a.created - b.created);
  }

  async revoke(keyId: string): Promise<KeyRecord | null> {
    return this.records.takeById(keyId);
  }
}
