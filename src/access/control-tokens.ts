/**
 * Control tokens: long-lived bearer secrets for Stream Deck / Companion buttons, scripts and
 * bots, bound to one room and a set of scopes. Only the SHA-256 is stored (HashedRecords), the
 * plain token is shown once; the streamer lists and revokes them by id. A token is recognised
 * by its `ctl_` prefix, so the control routes can tell it from a moderator session or a view
 * token without a store lookup.
 */
import * as v from 'valibot';
import type { Store } from '../store/store.ts';
import { randomToken, sha256Hex } from './secrets.ts';
import { HashedRecords } from './hashed-records.ts';
import { ItemFilter, ScopeName, type Grant, type Scope } from '../protocol/scopes.ts';

export const CONTROL_TOKEN_PREFIX = 'ctl_';
/** "Long-lived": until revoked. The store wants a TTL; ten years is the same thing for a button. */
const CONTROL_TOKEN_TTL_SECONDS = 10 * 365 * 24 * 3600;

const ControlTokenRecord = v.object({
  id: v.string(),
  room: v.string(),
  label: v.string(),
  scopes: v.array(ScopeName),
  items: v.optional(v.nullable(ItemFilter)),
  created: v.number(),
});
export type ControlTokenRecord = v.InferOutput<typeof ControlTokenRecord>;

export const isControlToken = (secret: string | undefined): secret is string =>
  secret !== undefined && secret.startsWith(CONTROL_TOKEN_PREFIX) && secret.length > 20 && secret.length < 120;

export const controlTokenGrant = (record: ControlTokenRecord): Grant => ({ scopes: record.scopes, items: record.items ?? null });

export class ControlTokens {
  private readonly records: HashedRecords<typeof ControlTokenRecord>;

  constructor(store: Store) {
    this.records = new HashedRecords(store, 'ctltoken', ControlTokenRecord);
  }

  async issue(input: { room: string; label: string; scopes: readonly Scope[]; items?: readonly string[] | null }): Promise<{ token: string; record: ControlTokenRecord }> {
    const token = CONTROL_TOKEN_PREFIX + randomToken(32);
    const record: ControlTokenRecord = {
      id: randomToken(9),
      room: input.room,
      label: input.label,
      scopes: [...input.scopes],
      ...(input.items && input.items.length > 0 ? { items: [...input.items] } : {}),
      created: Date.now(),
    };
    await this.records.put(await sha256Hex(token), record, CONTROL_TOKEN_TTL_SECONDS);
    return { token, record };
  }

  async resolve(token: string): Promise<ControlTokenRecord | null> {
    if (!isControlToken(token)) return null;
    return this.records.getByHash(await sha256Hex(token));
  }

  async list(): Promise<ControlTokenRecord[]> {
    return (await this.records.list()).sort((a, b) => a.created - b.created);
  }

  async revoke(id: string): Promise<ControlTokenRecord | null> {
    return this.records.takeById(id);
  }
}
