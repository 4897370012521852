/**
 * One-time moderator keys. The store holds only the SHA-256 of a key, so a leaked store dump
 * holds no usable key; consuming is an atomic get-and-delete, so exactly one caller wins.
 */
import * as v from 'valibot';
import type { Store } from '../store/store.ts';
import { randomToken, sha256Hex } from './secrets.ts';
import { HashedRecords } from './hashed-records.ts';
import { DEFAULT_MODERATOR_SCOPES, ItemFilter, ScopeName, type Scope } from '../protocol/scopes.ts';
import type { Sessions, SessionRecord } from './sessions.ts';
import { AUDIT_CAP } from '../protocol/constants.ts';
import type { ExchangeLimit } from '../store/record-exchange.ts';

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

  constructor(private readonly store: Store) {
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

  /**
   * Consumes the key and stores the session it buys plus the `key.consumed` audit line in one
   * store operation (one Redis round trip), counting `limit`'s hit first when given (rejects
   * with ExchangeRateLimited past it, the key untouched). Null for unknown, used and expired keys alike.
   */
  async exchangeForSession(key: string, sessions: Sessions, address?: string, limit?: ExchangeLimit): Promise<{ key: KeyRecord; secret: string; session: SessionRecord } | null> {
    const [keyHash, prepared] = await Promise.all([sha256Hex(key), sessions.prepare(address)]);
    const raw = await this.store.exchangeRecord({
      take: this.records.byHash(keyHash),
      takeIdPrefix: this.records.idPrefix,
      give: { ...prepared.storage, value: prepared.record, copy: { room: 'room', label: 'label', key_id: 'id', scopes: 'scopes', items: 'items' } },
      audit: {
        // A key issued without scopes has today's rights: the audit line names them all the same.
        entry: { ts: Date.now(), who: 'streamer', action: 'key.consumed', session_id: prepared.record.id, scopes: [...DEFAULT_MODERATOR_SCOPES], ...(address !== undefined ? { address } : {}) },
        copy: { key_id: 'id', label: 'label', scopes: 'scopes', items: 'items' },
        cap: AUDIT_CAP,
      },
      ...(limit ? { limit } : {}),
    });
    const record = this.records.parse(raw);
    if (!record) return null;
    const grant = record.scopes ? { scopes: record.scopes, ...(record.items && record.items.length > 0 ? { items: record.items } : {}) } : {};
    return { key: record, secret: prepared.secret, session: { ...prepared.record, room: record.room, label: record.label, key_id: record.id, ...grant } };
  }

  async list(): Promise<KeyRecord[]> {
    return (await this.records.list()).sort((a, b) => a.created - b.created);
  }

  async revoke(keyId: string): Promise<KeyRecord | null> {
    return this.records.takeById(keyId);
  }
}
