/**
 * The seam between the portable core and whatever keeps state: Redis in production
 * (src/node/redis-store.ts), the embedded store by default (memory-store.ts). Both pass
 * the same contract suite (contract.ts). Values are strings; callers own their encoding.
 */
import type { RecordExchange } from './record-exchange.ts';
import type { HistoryLog } from './history-log.ts';

export interface StoredScene {
  /** The room's serialized state (scene plus per-item versions); the room owns its format. */
  data: string;
  version: number;
}

export interface AuditEntry {
  ts: number;
  who: string;
  action: string;
  [key: string]: unknown;
}

export interface Store {
  readonly kind: 'redis' | 'embedded';

  get(key: string): Promise<string | null>;
  set(key: string, value: string, ttlSeconds?: number): Promise<void>;
  /** Set only when absent; true when this call set it. */
  setIfAbsent(key: string, value: string, ttlSeconds?: number): Promise<boolean>;
  /** Atomic read-and-delete: of many concurrent callers exactly one sees the value. */
  getDel(key: string): Promise<string | null>;
  del(key: string): Promise<void>;
  /** Keys with this prefix (for listings of a few hundred keys, not for hot paths). */
  keys(prefix: string): Promise<string[]>;
  /** Increment a counter; the first increment starts its expiry window. */
  incrWithTtl(key: string, ttlSeconds: number): Promise<{ count: number; ttlSeconds: number }>;

  loadScene(room: string): Promise<StoredScene | null>;
  /** Compare-and-set: writes only when the stored version is `expectedVersion` (0 = none stored). */
  commitScene(room: string, expectedVersion: number, data: string, version: number): Promise<boolean>;
  /** Rooms that have a stored scene. */
  listSceneRooms(): Promise<string[]>;

  publish(channel: string, message: string): Promise<void>;
  subscribe(channel: string, onMessage: (message: string) => void): Promise<() => Promise<void>>;

  appendAudit(room: string, entry: AuditEntry, cap: number): Promise<void>;
  /**
   * Takes a one-time record and writes what it is exchanged for (record-exchange.ts), all or
   * nothing as far as other callers can tell: of concurrent callers exactly one gets the raw record.
   * With `op.limit` the hit is counted first; over the limit it rejects with ExchangeRateLimited
   * having taken nothing.
   */
  exchangeRecord(op: RecordExchange): Promise<string | null>;
  /** Newest last. */
  listAudit(room: string, limit: number): Promise<AuditEntry[]>;

  /** Where scene history lies when not in the key space (scene-history.ts); absent means the key space. */
  readonly historyLog?: HistoryLog;

  /** Whether the backing service answers right now (for /health). */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/** Thrown by a store whose backing service is down; routes turn it into 503. */
export class StoreUnavailableError extends Error {
  readonly code = 'store_unavailable';
  constructor(cause?: unknown) {
    super('the state store is unavailable, try again shortly', { cause });
    this.name = 'StoreUnavailableError';
  }
}
