/**
 * One-time moderator keys. The store holds only the SHA-256 of a key, so a leaked store dump
 * holds no usable key; consuming is an atomic get-and-delete, so exactly one caller wins.
 */
import * as v from 'valibot';
import type { Store } from '../store/store.ts';
import { randomToken, sha256Hex } from './secrets.ts';

const KeyRecord = v.object({
  key_id: v.string(),
  room: v.string(),
  label: v.string(),
  streamer_id: v.string(),
  created: v.number(),
  expires: v.number(),
});
export type KeyRecord = v.InferOutput<typeof KeyRecord>;

const byHash = (hash: string) => `modkey:${hash}`;
const byId = (keyId: string) => `modkey-id:${keyId}`;

export class ModeratorKeys {
  constructor(private readonly store: Store) {}

  async issue(input: { room: string; label: string; streamerId: string; ttlSeconds: number }): Promise<{ key: string; record: KeyRecord }> {
    const key = randomToken(32);
    const hash = await sha256Hex(key);
    const now = Date.now();
    const record: KeyRecord = {
      key_id: randomToken(9),
      room: input.room,
      label: input.label,
      streamer_id: input.streamerId,
      created: now,
      expires: now + input.ttlSeconds * 1000,
    };
    await this.store.set(byHash(hash), JSON.stringify(record), input.ttlSeconds);
    await this.store.set(byId(record.key_id), hash, input.ttlSeconds);
    return { key, record };
  }

  /** The record when this call consumed the key; null for unknown, used and expired alike. */
  async consume(key: string): Promise<KeyRecord | null> {
    const raw = await this.store.getDel(byHash(await sha256Hex(key)));
    if (raw === null) return null;
    const record = v.parse(KeyRecord, JSON.parse(raw));
    await this.store.del(byId(record.key_id));
    return record;
  }

  async list(): Promise<KeyRecord[]> {
    const records: KeyRecord[] = [];
    for (const idKey of await this.store.keys('modkey-id:')) {
      const hash = await this.store.get(idKey);
      const raw = hash ? await this.store.get(byHash(hash)) : null;
      if (raw) records.push(v.parse(KeyRecord, JSON.parse(raw)));
    }
    return records.sort((a, b) => a.created - b.created);
  }

  async revoke(keyId: string): Promise<KeyRecord | null> {
    const hash = await this.store.getDel(byId(keyId));
    if (!hash) return null;
    const raw = await this.store.getDel(byHash(hash));
    return raw ? v.parse(KeyRecord, JSON.parse(raw)) : null;
  }
}
