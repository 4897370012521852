/**
 * Where a room's scene history lies (scene-history.ts decides what goes in it): segments, each
 * a full scene at its first version followed by the versions after it. Three ways to keep them:
 * values in the store's key space (KvHistoryLog: the embedded store without a disk, e.g. Deno),
 * an append-only file per segment (src/node/history-files.ts: the embedded store on Node), or a
 * Redis list per segment (src/node/redis-history-log.ts); the last two append one record per
 * version instead of rewriting the whole segment.
 */
import type { PatchOp } from '../protocol/messages.ts';
import type { Scene } from '../protocol/scene.ts';
import type { Store } from './store.ts';

export interface HistoryEntry {
  version: number;
  ts: number;
  who: string;
  /** One line: "Alice moved Logo, changed text of Title". */
  summary: string;
  /** What this version changed, as broadcast (items whole after the change). */
  ops: PatchOp[];
}

export interface HistorySegment {
  start: number;
  snapshot: Scene;
  entries: HistoryEntry[];
}

export interface HistorySegmentInfo {
  start: number;
  end: number;
  lastTs: number;
  bytes: number;
}

export interface HistoryLog {
  /** The room's segments, oldest first; null when the room has no history yet. */
  loadIndex(room: string): Promise<HistorySegmentInfo[] | null>;
  loadSegment(room: string, start: number): Promise<HistorySegment | null>;
  /**
   * Stores `segment`, to which `entry` (its last entry) was just added; a segment with one entry
   * is new. `bytesBefore` is what the index says the segment took before (0 when new). Resolves
   * once stored, with the bytes the segment now takes.
   */
  write(room: string, segment: HistorySegment, entry: HistoryEntry, bytesBefore: number): Promise<number>;
  dropSegment(room: string, start: number): Promise<void>;
  /** After each write and its pruning: the index as the writer sees it. */
  saveIndex(room: string, index: HistorySegmentInfo[]): Promise<void>;
}

/** Segments as whole values in the store's key space; the index is a value of its own. */
export class KvHistoryLog implements HistoryLog {
  constructor(private readonly store: Store) {}

  async loadIndex(room: string): Promise<HistorySegmentInfo[] | null> {
    const raw = await this.store.get(indexKey(room));
    return raw === null ? null : (JSON.parse(raw) as HistorySegmentInfo[]);
  }

  async loadSegment(room: string, start: number): Promise<HistorySegment | null> {
    const raw = await this.store.get(segmentKey(room, start));
    return raw === null ? null : (JSON.parse(raw) as HistorySegment);
  }

  async write(room: string, segment: HistorySegment): Promise<number> {
    const data = JSON.stringify(segment);
    await this.store.set(segmentKey(room, segment.start), data);
    return data.length;
  }

  dropSegment(room: string, start: number): Promise<void> {
    return this.store.del(segmentKey(room, start));
  }

  saveIndex(room: string, index: HistorySegmentInfo[]): Promise<void> {
    return this.store.set(indexKey(room), JSON.stringify(index));
  }

  /** Forgets the room's index (once its segments were moved elsewhere). */
  dropIndex(room: string): Promise<void> {
    return this.store.del(indexKey(room));
  }
}

const indexKey = (room: string) => `history-index:${room}`;
const segmentKey = (room: string, start: number) => `history:${room}:${start}`;
