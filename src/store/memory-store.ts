/**
 * The embedded store: everything in process memory, optionally made durable through an
 * injected persistence (src/node/file-persistence.ts on Node). Portable: Web APIs only,
 * so the same class runs on Node, Deno or in a test without a file system.
 */
import type { AuditEntry, Store, StoredScene } from './store.ts';
import { AUDIT_COMPACT_FACTOR } from './audit-log-file.ts';
import { exchangeWithPrimitives, type RecordExchange } from './record-exchange.ts';
import type { HistoryLog } from './history-log.ts';

/** A key's value and when it stops existing (epoch ms), null for never. */
export interface KvRecord {
  value: string;
  expiresAt: number | null;
}

export interface MemoryStoreSnapshot {
  scenes: Record<string, StoredScene>;
  kv: Record<string, KvRecord>;
  /** Each room's audit log, oldest first. */
  audit?: Record<string, AuditEntry[]>;
}

/**
 * Where the embedded store keeps what must survive a restart. Subscriptions are live and
 * not persisted.
 */
export interface MemoryStorePersistence {
  /** Everything stored so far; a fresh location yields empty records. */
  loadAll(): Promise<MemoryStoreSnapshot>;
  /** Must be durable when it resolves: commitScene acknowledges only after it. */
  writeScene(room: string, stored: StoredScene): Promise<void>;
  /** Replaces the whole KV snapshot; calls are coalesced and never overlap. */
  writeKv(kv: Record<string, KvRecord>): Promise<void>;
  /** Appends entries to a room's audit log; calls are coalesced and never overlap. */
  appendAudit(room: string, entries: AuditEntry[]): Promise<void>;
  /** Replaces a room's audit log with `entries` (compaction while running); never overlaps an append. */
  rewriteAudit(room: string, entries: AuditEntry[]): Promise<void>;
  /**
   * Scene history with an append path of its own, so a new version is not a rewrite of the KV
   * snapshot; without it history lives in the KV like any value.
   */
  readonly history?: HistoryLog;
  /** Called once by close(), after every commit and write above has settled. */
  close?(): Promise<void>;
}

const SWEEP_INTERVAL_MS = 30_000;
const KV_WRITE_DELAY_MS = 200;
const AUDIT_WRITE_DELAY_MS = 200;

interface Subscription {
  onMessage: (message: string) => void;
  active: boolean;
}

export class MemoryStore implements Store {
  readonly kind = 'embedded' as const;

  private readonly kv = new Map<string, KvRecord>();
  private readonly scenes = new Map<string, StoredScene>();
  private readonly audit = new Map<string, AuditEntry[]>();
  private readonly channels = new Map<string, Set<Subscription>>();
  /** Per-room tail of the commit chain: a commit checks the version only after the previous one is durable. */
  private readonly sceneCommits = new Map<string, Promise<unknown>>();
  private readonly sweepTimer: ReturnType<typeof globalThis.setInterval>;
  private kvWriteTimer: ReturnType<typeof globalThis.setTimeout> | undefined;
  private kvWrites: Promise<void> = Promise.resolve();
  /** Changes not yet in a snapshot; a snapshot being written (the next one is armed when it ends). */
  private kvDirty = false;
  private kvWriting = false;
  /** Audit entries not yet handed to the persistence, per room. */
  private readonly auditPending = new Map<string, AuditEntry[]>();
  private auditWriteTimer: ReturnType<typeof globalThis.setTimeout> | undefined;
  /** Lines in each room's log on disk (at least as many as were loaded), and each room's cap. */
  private readonly auditOnDisk = new Map<string, number>();
  private readonly auditCaps = new Map<string, number>();
  private auditWrites: Promise<void> = Promise.resolve();
  private closed = false;

  /** Without persistence state lives only as long as the process. With it, use `open()` so stored state is loaded. */
  constructor(private readonly persistence?: MemoryStorePersistence) {
    this.sweepTimer = globalThis.setInterval(() => this.sweepExpired(), SWEEP_INTERVAL_MS);
    // Node and Deno timers keep the process alive unless unref'd; browsers have no unref.
    (this.sweepTimer as unknown as { unref?: () => void }).unref?.();
  }

  get historyLog(): HistoryLog | undefined {
    return this.persistence?.history;
  }

  static async open(persistence?: MemoryStorePersistence): Promise<MemoryStore> {
    const store = new MemoryStore(persistence);
    if (persistence) store.restore(await persistence.loadAll());
    return store;
  }

  async get(key: string): Promise<string | null> {
    return this.liveRecord(key)?.value ?? null;
  }

  async set(key: string, value: string, ttlSeconds?: number): Promise<void> {
    this.kv.set(key, { value, expiresAt: expiryFor(ttlSeconds) });
    this.kvChanged();
  }

  async setIfAbsent(key: string, value: string, ttlSeconds?: number): Promise<boolean> {
    const expiresAt = expiryFor(ttlSeconds);
    if (this.liveRecord(key)) return false;
    this.kv.set(key, { value, expiresAt });
    this.kvChanged();
    return true;
  }

  async getDel(key: string): Promise<string | null> {
    // Atomic because nothing else runs between the read and the delete.
    const record = this.liveRecord(key);
    if (!record) return null;
    this.kv.delete(key);
    this.kvChanged();
    return record.value;
  }

  async del(key: string): Promise<void> {
    if (this.kv.delete(key)) this.kvChanged();
  }

  async keys(prefix: string): Promise<string[]> {
    const now = Date.now();
    const found: string[] = [];
    for (const [key, record] of this.kv) {
      if (key.startsWith(prefix) && !isExpired(record, now)) found.push(key);
    }
    return found.sort();
  }

  async incrWithTtl(key: string, ttlSeconds: number): Promise<{ count: number; ttlSeconds: number }> {
    const window = expiryFor(ttlSeconds);
    if (window === null) throw new RangeError('incrWithTtl needs a ttl');
    const record = this.liveRecord(key);
    const current = record ? Number(record.value) : 0;
    if (!Number.isSafeInteger(current)) throw new TypeError(`value at ${key} is not an integer counter`);
    // The window starts with the first increment; a counter without expiry gets one, as in Redis.
    const expiresAt = record?.expiresAt ?? window;
    const count = current + 1;
    this.kv.set(key, { value: String(count), expiresAt });
    this.kvChanged();
    return { count, ttlSeconds: Math.ceil((expiresAt - Date.now()) / 1000) };
  }

  async loadScene(room: string): Promise<StoredScene | null> {
    const stored = this.scenes.get(room);
    return stored ? { ...stored } : null;
  }

  commitScene(room: string, expectedVersion: number, data: string, version: number): Promise<boolean> {
    const previous = this.sceneCommits.get(room) ?? Promise.resolve();
    const commit = previous.then(
      () => this.commitNow(room, expectedVersion, data, version),
      () => this.commitNow(room, expectedVersion, data, version),
    );
    this.sceneCommits.set(room, commit);
    // Forget the chain once idle so rooms that come and go do not accumulate entries.
    const forget = () => {
      if (this.sceneCommits.get(room) === commit) this.sceneCommits.delete(room);
    };
    commit.then(forget, forget);
    return commit;
  }

  async listSceneRooms(): Promise<string[]> {
    return [...this.scenes.keys()].sort();
  }

  async publish(channel: string, message: string): Promise<void> {
    const subscriptions = this.channels.get(channel);
    if (!subscriptions) return;
    for (const subscription of subscriptions) {
      // Deliver later, never inside publish(): a subscriber that publishes must not re-enter itself.
      queueMicrotask(() => deliver(subscription, message));
    }
  }

  async subscribe(channel: string, onMessage: (message: string) => void): Promise<() => Promise<void>> {
    const subscription: Subscription = { onMessage, active: true };
    let subscriptions = this.channels.get(channel);
    if (!subscriptions) this.channels.set(channel, (subscriptions = new Set()));
    subscriptions.add(subscription);
    return async () => {
      // Also stops messages already queued for delivery.
      subscription.active = false;
      const current = this.channels.get(channel);
      current?.delete(subscription);
      if (current?.size === 0) this.channels.delete(channel);
    };
  }

  async appendAudit(room: string, entry: AuditEntry, cap: number): Promise<void> {
    if (!Number.isInteger(cap) || cap < 1) throw new RangeError('audit cap must be a positive integer');
    this.auditCaps.set(room, cap);
    let entries = this.audit.get(room);
    if (!entries) this.audit.set(room, (entries = []));
    // A JSON round trip keeps the embedded store honest: what Redis could not store, neither can we.
    const copy = JSON.parse(JSON.stringify(entry)) as AuditEntry;
    entries.push(copy);
    if (entries.length > cap) entries.splice(0, entries.length - cap);
    this.auditAppended(room, copy);
  }

  exchangeRecord(op: RecordExchange): Promise<string | null> {
    return exchangeWithPrimitives(this, op);
  }

  async listAudit(room: string, limit: number): Promise<AuditEntry[]> {
    if (limit <= 0) return [];
    return (this.audit.get(room) ?? []).slice(-limit).map((entry) => ({ ...entry }));
  }

  async ping(): Promise<boolean> {
    return true;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    globalThis.clearInterval(this.sweepTimer);
    await Promise.allSettled(this.sceneCommits.values());
    if (this.kvWriteTimer !== undefined) {
      globalThis.clearTimeout(this.kvWriteTimer);
      this.kvWriteTimer = undefined;
    }
    // Changes made while the last snapshot was being written are in no snapshot yet.
    if (this.kvDirty) await this.flushKv();
    if (this.auditWriteTimer !== undefined) {
      globalThis.clearTimeout(this.auditWriteTimer);
      this.auditWriteTimer = undefined;
      await this.flushAudit();
    }
    await Promise.all([this.kvWrites, this.auditWrites]);
    await this.persistence?.close?.();
  }

  private async commitNow(room: string, expectedVersion: number, data: string, version: number): Promise<boolean> {
    const currentVersion = this.scenes.get(room)?.version ?? 0;
    if (currentVersion !== expectedVersion) return false;
    const stored: StoredScene = { data, version };
    // Durable first: when this throws, memory still holds the previous scene.
    if (this.persistence) await this.persistence.writeScene(room, { ...stored });
    this.scenes.set(room, stored);
    return true;
  }

  /** The record when it exists and has not expired; expired ones are dropped on the way. */
  private liveRecord(key: string): KvRecord | undefined {
    const record = this.kv.get(key);
    if (record && isExpired(record, Date.now())) {
      this.kv.delete(key);
      return undefined;
    }
    return record;
  }

  private sweepExpired(): void {
    const now = Date.now();
    for (const [key, record] of this.kv) {
      if (isExpired(record, now)) this.kv.delete(key);
    }
  }

  private restore(snapshot: MemoryStoreSnapshot): void {
    const now = Date.now();
    for (const [key, record] of Object.entries(snapshot.kv)) {
      if (!isExpired(record, now)) this.kv.set(key, { value: record.value, expiresAt: record.expiresAt });
    }
    for (const [room, stored] of Object.entries(snapshot.scenes)) {
      this.scenes.set(room, { data: stored.data, version: stored.version });
    }
    for (const [room, entries] of Object.entries(snapshot.audit ?? {})) {
      this.audit.set(room, [...entries]);
      this.auditOnDisk.set(room, entries.length);
    }
  }

  /** Audit lines are appended in batches: losing the last fraction of a second is acceptable. */
  private auditAppended(room: string, entry: AuditEntry): void {
    if (!this.persistence || this.closed) return;
    let pending = this.auditPending.get(room);
    if (!pending) this.auditPending.set(room, (pending = []));
    pending.push(entry);
    this.auditWriteTimer ??= globalThis.setTimeout(() => {
      this.auditWriteTimer = undefined;
      void this.flushAudit();
    }, AUDIT_WRITE_DELAY_MS);
  }

  private flushAudit(): Promise<void> {
    const persistence = this.persistence;
    if (!persistence || this.auditPending.size === 0) return this.auditWrites;
    const batch = [...this.auditPending];
    this.auditPending.clear();
    this.auditWrites = this.auditWrites.then(async () => {
      for (const [room, entries] of batch) {
        try {
          await this.writeAuditBatch(persistence, room, entries);
        } catch (err) {
          console.warn('embedded store: appending to the audit log failed', err);
        }
      }
    });
    return this.auditWrites;
  }

  /**
   * Append, or, once the file would pass its bound, rewrite it to what memory keeps: the log
   * stays bounded while the server runs, not only when it next loads.
   */
  private async writeAuditBatch(persistence: MemoryStorePersistence, room: string, entries: AuditEntry[]): Promise<void> {
    const lines = (this.auditOnDisk.get(room) ?? 0) + entries.length;
    const cap = this.auditCaps.get(room) ?? entries.length;
    if (lines <= cap * AUDIT_COMPACT_FACTOR) {
      await persistence.appendAudit(room, entries);
      this.auditOnDisk.set(room, lines);
      return;
    }
    // Entries still pending belong to a later batch, which appends them after this rewrite.
    const later = new Set(this.auditPending.get(room) ?? []);
    const kept = (this.audit.get(room) ?? []).filter((entry) => !later.has(entry));
    await persistence.rewriteAudit(room, kept);
    this.auditOnDisk.set(room, kept.length);
  }

  /** KV changes are frequent and individually cheap to lose, so writes are coalesced. */
  private kvChanged(): void {
    if (!this.persistence || this.closed) return;
    this.kvDirty = true;
    // While a snapshot is written the next waits for it (armed when it ends): with a large KV a
    // write can outlast the delay, and timers firing meanwhile queued snapshot after snapshot
    // (the loop busy writing, the queue and the loss window growing without bound).
    if (this.kvWriteTimer === undefined && !this.kvWriting) this.armKvWrite();
  }

  private armKvWrite(): void {
    this.kvWriteTimer = globalThis.setTimeout(() => {
      this.kvWriteTimer = undefined;
      void this.flushKv();
    }, KV_WRITE_DELAY_MS);
  }

  /** Chained so snapshots reach the persistence in order and never overlap. */
  private flushKv(): Promise<void> {
    const persistence = this.persistence;
    if (!persistence) return Promise.resolve();
    this.kvWriting = true;
    this.kvWrites = this.kvWrites.then(async () => {
      this.kvDirty = false;
      const now = Date.now();
      // One pass, no copies: the snapshot is the whole KV (every outstanding key and session),
      // and copying it entry by entry was most of the embedded key consume's CPU (profiled).
      // Records are never changed in place (every write stores a new one), so sharing is safe.
      // A prototype-less object, so a key named "__proto__" stays a plain key.
      const live: Record<string, KvRecord> = Object.create(null);
      for (const [key, record] of this.kv) if (!isExpired(record, now)) live[key] = record;
      try {
        await persistence.writeKv(live);
      } catch (err) {
        // Keep serving from memory; the next change schedules another attempt.
        console.warn('embedded store: writing the KV snapshot failed', err);
      } finally {
        this.kvWriting = false;
        if (this.kvDirty && !this.closed) this.armKvWrite();
      }
    });
    return this.kvWrites;
  }
}

function expiryFor(ttlSeconds: number | undefined): number | null {
  if (ttlSeconds === undefined) return null;
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1) throw new RangeError('ttlSeconds must be a positive integer');
  return Date.now() + ttlSeconds * 1000;
}

function isExpired(record: KvRecord, now: number): boolean {
  return record.expiresAt !== null && record.expiresAt <= now;
}

function deliver(subscription: Subscription, message: string): void {
  if (!subscription.active) return;
  try {
    subscription.onMessage(message);
  } catch (err) {
    // One failing subscriber must not break delivery to the others (nor crash the process).
    console.error('embedded store: a subscriber threw', err);
  }
}
