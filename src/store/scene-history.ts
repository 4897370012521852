/**
 * A room's scene history, alike on both stores: segments of up to SNAPSHOT_EVERY versions,
 * each opening with the full scene at its first version followed by the patches of the next
 * ones, plus an index of the segments. Reading a version loads one segment and replays at most
 * SNAPSHOT_EVERY patches. Where segments lie is the store's HistoryLog (history-log.ts): values
 * in its key space, or append-only files for the embedded store on disk.
 *
 * Kept: at least the last `keepMs` (24 h) or `keepVersions` (5,000), whichever is more, and
 * never more than `maxBytes`; the oldest segment goes first. One instance per room writes.
 */
import * as v from 'valibot';
import { Scene, type Item } from '../protocol/scene.ts';
import type { PatchOp } from '../protocol/messages.ts';
import type { Store } from './store.ts';
import { KvHistoryLog, type HistoryEntry, type HistoryLog, type HistorySegment } from './history-log.ts';

export type { HistoryEntry } from './history-log.ts';

export const SNAPSHOT_EVERY = 100;
export const HISTORY_KEEP_MS = 24 * 60 * 60 * 1000;
export const HISTORY_KEEP_VERSIONS = 5000;
export const HISTORY_MAX_BYTES = 8 * 1024 * 1024;
/** A segment closes past maxBytes / this, so pruning can keep the whole history near its bound. */
const SEGMENTS_PER_BOUND = 8;

export interface HistoryOptions {
  snapshotEvery?: number;
  keepMs?: number;
  keepVersions?: number;
  maxBytes?: number;
  now?: () => number;
}

type Segment = HistorySegment;

const SegmentInfo = v.object({ start: v.number(), end: v.number(), lastTs: v.number(), bytes: v.number() });
type SegmentInfo = v.InferOutput<typeof SegmentInfo>;
const Index = v.array(SegmentInfo);

export class SceneHistory {
  private index: SegmentInfo[] | null = null;
  private current: Segment | null = null;
  /** Writes run one after another, so the index is never written from two stale copies. */
  private writes: Promise<unknown> = Promise.resolve();
  private readonly snapshotEvery: number;
  private readonly keepMs: number;
  private readonly keepVersions: number;
  private readonly maxBytes: number;
  private readonly now: () => number;
  private readonly log: HistoryLog;

  constructor(
    store: Store,
    private readonly room: string,
    options: HistoryOptions = {},
  ) {
    this.snapshotEvery = options.snapshotEvery ?? SNAPSHOT_EVERY;
    this.keepMs = options.keepMs ?? HISTORY_KEEP_MS;
    this.keepVersions = options.keepVersions ?? HISTORY_KEEP_VERSIONS;
    this.maxBytes = options.maxBytes ?? HISTORY_MAX_BYTES;
    this.now = options.now ?? Date.now;
    this.log = store.historyLog ?? new KvHistoryLog(store);
  }

  /** Records a committed version; `after` is the whole scene it left. Resolves once stored. */
  record(entry: HistoryEntry, after: Scene): Promise<void> {
    const run = this.writes.then(() =>
      this.append(entry, after).catch((error: unknown) => {
        // Memory may be ahead of the log (or the log end in a torn line): read it afresh, so
        // the next version opens a new segment after what is really stored.
        this.index = null;
        this.current = null;
        throw error;
      }),
    );
    this.writes = run.catch(() => undefined);
    return run;
  }

  /** Versions newest first, older than `before` when given. */
  async list(options: { limit: number; before?: number }): Promise<HistoryEntry[]> {
    await this.writes;
    const index = await this.loadIndex();
    const out: HistoryEntry[] = [];
    for (let i = index.length - 1; i >= 0 && out.length < options.limit; i--) {
      const info = index[i]!;
      if (options.before !== undefined && info.start >= options.before) continue;
      const segment = await this.loadSegment(info.start);
      if (!segment) continue;
      for (let j = segment.entries.length - 1; j >= 0 && out.length < options.limit; j--) {
        const entry = segment.entries[j]!;
        if (options.before === undefined || entry.version < options.before) out.push(entry);
      }
    }
    return out;
  }

  /** The scene exactly as version `version` left it; null when that version is not kept. */
  async sceneAt(version: number): Promise<{ scene: Scene; entry: HistoryEntry } | null> {
    await this.writes;
    const info = (await this.loadIndex()).find((s) => s.start <= version && version <= s.end);
    const segment = info ? await this.loadSegment(info.start) : null;
    if (!segment) return null;
    const items = new Map<string, Item>(segment.snapshot.items.map((item) => [item.id, item]));
    let found: HistoryEntry | null = null;
    for (const entry of segment.entries) {
      if (entry.version > version) break;
      if (entry.version > segment.start) applyOps(items, entry.ops);
      if (entry.version === version) found = entry;
    }
    return found ? { scene: { items: [...items.values()] }, entry: found } : null;
  }

  /** Bytes the kept history takes in the store (segment values). */
  async bytes(): Promise<number> {
    await this.writes;
    return (await this.loadIndex()).reduce((sum, s) => sum + s.bytes, 0);
  }

  private async append(entry: HistoryEntry, after: Scene): Promise<void> {
    const index = await this.loadIndex();
    const last = index.at(-1);
    let segment = last ? (this.current?.start === last.start ? this.current : await this.loadSegment(last.start)) : null;
    // A gap (versions committed elsewhere, or an outage) starts a new segment: replay needs every patch.
    const contiguous = segment !== null && last !== undefined && entry.version === last.end + 1;
    // Only whole segments can be pruned (and the key-value log rewrites a segment per append), so
    // a segment closes at a share of the byte bound too: big scenes make short segments, not one huge one.
    const segmentFull = segment !== null && (segment.entries.length >= this.snapshotEvery || (last?.bytes ?? 0) >= this.maxBytes / SEGMENTS_PER_BOUND);
    if (!segment || !contiguous || segmentFull) {
      segment = { start: entry.version, snapshot: after, entries: [entry] };
      index.push({ start: entry.version, end: entry.version, lastTs: entry.ts, bytes: 0 });
    } else {
      segment.entries.push(entry);
    }
    const bytes = await this.log.write(this.room, segment, entry, index.at(-1)!.bytes);
    Object.assign(index.at(-1)!, { end: entry.version, lastTs: entry.ts, bytes });
    this.current = segment;
    await this.prune(index);
    await this.log.saveIndex(this.room, index);
  }

  /** Drops the oldest segments past the byte bound, or past both the age and the count bound. */
  private async prune(index: SegmentInfo[]): Promise<void> {
    const newest = index.at(-1)?.end ?? 0;
    let total = index.reduce((sum, s) => sum + s.bytes, 0);
    while (index.length > 1) {
      const oldest = index[0]!;
      const keptWithout = newest - index[1]!.start + 1;
      const tooBig = total > this.maxBytes;
      const expendable = oldest.lastTs < this.now() - this.keepMs && keptWithout >= this.keepVersions;
      if (!tooBig && !expendable) break;
      index.shift();
      total -= oldest.bytes;
      await this.log.dropSegment(this.room, oldest.start);
    }
  }

  private async loadIndex(): Promise<SegmentInfo[]> {
    if (this.index) return this.index;
    const raw = await this.log.loadIndex(this.room);
    const parsed = raw === null ? null : v.safeParse(Index, raw);
    this.index = parsed?.success ? parsed.output : [];
    return this.index;
  }

  private async loadSegment(start: number): Promise<Segment | null> {
    if (this.current?.start === start) return this.current;
    return this.log.loadSegment(this.room, start);
  }
}

/** Applies broadcast ops to items by id, the way every client does. */
export function applyOps(items: Map<string, Item>, ops: readonly PatchOp[]): void {
  for (const op of ops) {
    if (op.op === 'clear') items.clear();
    else if (op.op === 'remove') items.delete(op.id);
    else items.set(op.item.id, op.item);
  }
}
