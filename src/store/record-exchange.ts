/**
 * Taking a one-time record and writing what it is exchanged for, as one store operation
 * (a moderator key for a session and its audit line), optionally counting a rate-limit hit
 * first. On Redis it is one script, so one round trip and atomic; the embedded store composes
 * it from its own primitives, where get-and-delete is already atomic.
 */
import type { AuditEntry, Store } from './store.ts';

/** Field of the written record ← field of the taken one (`{ key_id: 'id' }`); a field the taken record lacks keeps the written one's value. */
export type FieldCopies = Record<string, string>;

export interface RecordExchange {
  /** KV key of the one-time record (a JSON object with string `id` and `room`). */
  take: string;
  /** The taken record's id index, deleted with it: the KV key `takeIdPrefix + record.id`. */
  takeIdPrefix: string;
  /** What it is exchanged for: `value` completed with `copy` from the taken record, plus its id index. */
  give: { key: string; value: Record<string, unknown>; copy: FieldCopies; indexKey: string; indexValue: string; ttlSeconds: number };
  /** The audit line appended to the taken record's room, completed the same way. */
  audit: { entry: AuditEntry; copy: FieldCopies; cap: number };
  /**
   * A fixed-window counter incremented before anything else (as incrWithTtl does): past `max`
   * the exchange takes nothing and rejects with ExchangeRateLimited. Counting in the same
   * step saves the limiter's own round trip on Redis.
   */
  limit?: ExchangeLimit;
}

export interface ExchangeLimit {
  /** KV key of the counter. */
  key: string;
  /** Hits allowed per window; the hit that makes the count exceed it is refused. */
  max: number;
  windowSeconds: number;
}

/** The exchange's counted hit was over its limit: nothing was taken or written. */
export class ExchangeRateLimited extends Error {
  constructor(readonly ttlSeconds: number) {
    super('rate limited');
    this.name = 'ExchangeRateLimited';
  }
}

/** The exchange from the Store's primitives; exactly-once rests on getDel. */
export async function exchangeWithPrimitives(store: Store, op: RecordExchange): Promise<string | null> {
  if (op.limit) {
    const { count, ttlSeconds } = await store.incrWithTtl(op.limit.key, op.limit.windowSeconds);
    if (count > op.limit.max) throw new ExchangeRateLimited(ttlSeconds);
  }
  const raw = await store.getDel(op.take);
  if (raw === null) return null;
  const taken = parseTaken(raw);
  if (!taken) return raw;
  await store.del(op.takeIdPrefix + taken.id);
  await store.set(op.give.key, JSON.stringify(completed(op.give.value, op.give.copy, taken)), op.give.ttlSeconds);
  await store.set(op.give.indexKey, op.give.indexValue, op.give.ttlSeconds);
  await store.appendAudit(taken.room, completed(op.audit.entry, op.audit.copy, taken) as AuditEntry, op.audit.cap);
  return raw;
}

/** Its id and room, or undefined for a record the caller's schema will refuse anyway. */
function parseTaken(raw: string): ({ id: string; room: string } & Record<string, unknown>) | undefined {
  try {
    const value = JSON.parse(raw) as Record<string, unknown> | null;
    if (typeof value === 'object' && value !== null && typeof value.id === 'string' && typeof value.room === 'string') {
      return value as { id: string; room: string } & Record<string, unknown>;
    }
  } catch {
    // Falls through: not a record.
  }
  return undefined;
}

function completed(base: Record<string, unknown>, copy: FieldCopies, taken: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [field, from] of Object.entries(copy)) if (taken[from] !== undefined && taken[from] !== null) out[field] = taken[from];
  return out;
}
