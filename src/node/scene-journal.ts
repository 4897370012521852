/**
 * Group commit for the embedded store's scenes: an append-only journal under
 * DATA_DIR/journal. Every scene commit that arrives while the previous write is on disk (or
 * within the same tick) is appended in ONE write made durable by that write itself (O_DSYNC;
 * a write + fdatasync where the platform has no O_DSYNC), and
 * all of them are acknowledged together, whichever rooms they belong to. A segment that has
 * grown past its bound is sealed and compacted in the background into the per-room
 * snapshots (DATA_DIR/scenes/<room>.json), then removed. Recovery reads the snapshots and
 * replays every segment left on disk, oldest first.
 *
 * Segments are zero-filled ahead of the write position in the background (zeroFillAhead):
 * a group written over blocks that already exist on disk leaves the file's size and block map
 * as they were, so its O_DSYNC write is the data alone. Appending past the end instead made
 * every group a file-system journal commit too (new size, new blocks), shared with whatever
 * else on the disk had metadata pending: the ack path's tail. Replay ignores the zero tail.
 */
import { constants } from 'node:fs';
import { open, readdir, readFile, rm, mkdir, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { StoredScene } from '../store/store.ts';
import { JOURNAL_ROOM_NAME, JOURNAL_SEGMENT_FILE, journalLine, parseJournalSegment, replayJournal } from '../store/scene-journal-format.ts';
import { isMissing, syncDirectory, writeAtomically } from './atomic-file.ts';

export interface JournalLogger {
  warn(message: string, ...details: unknown[]): void;
}

/** Room names (or a room's draft, `<room>.draft`) are validated upstream; checked again here so no path can leave the directory. */
export const ROOM_NAME = JOURNAL_ROOM_NAME;
/** Past this a segment is sealed and compacted: a restart replays at most about this much per segment. */
export const DEFAULT_SEGMENT_BYTES = 4 * 1024 * 1024;

interface Segment {
  seq: number;
  path: string;
  handle?: FileHandle;
  /** Where the next group goes: the end of the last durable record. */
  bytes: number;
  /** Bytes from the start known to exist on disk (records, then durable zeros). */
  zeroed: number;
  /** A background zero fill past `zeroed`, while it runs. */
  filling?: Promise<void>;
  /** The newest durable scene of each room written to this segment: what its compaction snapshots. */
  latest: Map<string, StoredScene>;
}

interface PendingWrite {
  room: string;
  stored: StoredScene;
  line: string;
  resolve(): void;
  reject(err: unknown): void;
}

export class SceneJournal {
  private current: Segment | undefined;
  private nextSeq = 1;
  /** Segments whose writes are all durable, waiting for their snapshots; oldest first. */
  private readonly sealed: Segment[] = [];
  private pending: PendingWrite[] = [];
  private flushScheduled = false;
  private flushing: Promise<void> | undefined;
  private compacting: Promise<void> | undefined;
  private closed = false;
  /** Writes made durable so far, and the fdatasyncs that took: records ÷ groups is the batching. */
  readonly totals = { groups: 0, records: 0 };

  constructor(
    private readonly journalDir: string,
    private readonly scenesDir: string,
    private readonly logger: JournalLogger,
    private readonly segmentBytes = DEFAULT_SEGMENT_BYTES,
  ) {}

  /**
   * Replays the segments on disk over `scenes` (the snapshots), in place. Journal order wins
   * over versions: a record a failed write left behind is followed by the acknowledged one
   * with the same version. Replayed segments are compacted in the background.
   */
  async recover(scenes: Record<string, StoredScene>): Promise<void> {
    const segments = await readSegments(this.journalDir, this.logger);
    replaySegments(scenes, segments);
    for (const segment of segments) {
      this.sealed.push(segment);
      this.nextSeq = segment.seq + 1;
    }
    if (this.sealed.length > 0) this.startCompaction();
  }

  /** Resolves once the scene is durable in the journal. */
  append(room: string, stored: StoredScene): Promise<void> {
    if (!ROOM_NAME.test(room)) return Promise.reject(new Error(`refusing to store a scene for room name ${JSON.stringify(room)}`));
    if (this.closed) return Promise.reject(new Error('the scene journal is closed'));
    const line = journalLine(room, stored);
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ room, stored: { data: stored.data, version: stored.version }, line, resolve, reject });
      this.scheduleFlush();
    });
  }

  /** Waits for pending writes, then compacts everything so the snapshots alone hold every scene. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Writes already accepted are still made durable (and acknowledged) first.
    while (this.flushScheduled || this.flushing) await (this.flushing ?? new Promise((resolve) => setImmediate(resolve)));
    await this.compacting;
    this.seal();
    this.startCompaction();
    await this.compacting;
  }

  private scheduleFlush(): void {
    // A flush in progress picks the new writes up when it is done: that is the group.
    if (this.flushScheduled || this.flushing) return;
    this.flushScheduled = true;
    // setImmediate, not a microtask: commits from every I/O callback of this tick join the group.
    setImmediate(() => {
      this.flushScheduled = false;
      this.flushing = this.flushAll().finally(() => {
        this.flushing = undefined;
        // A caller woken by the last group may have appended before this ran, and found the flush still "running".
        if (this.pending.length > 0) this.scheduleFlush();
      });
    });
  }

  private async flushAll(): Promise<void> {
    while (this.pending.length > 0) {
      const group = this.pending;
      this.pending = [];
      await this.writeGroup(group);
    }
  }

  private async writeGroup(group: PendingWrite[]): Promise<void> {
    let segment: Segment | undefined;
    let written = 0;
    try {
      segment = await this.writableSegment();
      const bytes = Buffer.from(group.map((w) => w.line).join(''), 'utf8');
      // Never into a range a zero fill is still writing: that fill would land over the records.
      if (segment.filling && segment.bytes + bytes.byteLength > segment.zeroed) await segment.filling;
      await writeFully(segment.handle!, bytes, segment.bytes);
      if (DSYNC === undefined) await segment.handle!.datasync();
      segment.bytes += bytes.byteLength;
      written = bytes.byteLength;
      segment.zeroed = Math.max(segment.zeroed, segment.bytes);
      this.totals.groups++;
      this.totals.records += group.length;
    } catch (err) {
      // The segment may now end in a torn line: replay stops there, so nothing may follow it.
      if (segment) this.seal();
      for (const write of group) write.reject(err);
      return;
    }
    for (const write of group) segment.latest.set(write.room, write.stored);
    for (const write of group) write.resolve();
    if (segment.bytes >= this.segmentBytes) {
      this.seal();
      this.startCompaction();
    } else {
      this.zeroFillAhead(segment, written);
    }
  }

  /**
   * Keeps at least half a fill of durable zeros ahead of the next group, up to the segment's
   * bound. Only whole durable ranges count: `zeroed` moves once the fill's write returned.
   * A failed fill changes nothing but speed (the next group appends as before).
   */
  private zeroFillAhead(segment: Segment, groupBytes: number): void {
    const fill = Math.max(ZERO_FILL_BYTES, 4 * groupBytes);
    if (segment.filling || segment.zeroed - segment.bytes >= fill / 2 || segment.zeroed >= this.segmentBytes) return;
    const from = segment.zeroed;
    const length = Math.min(fill, this.segmentBytes - from);
    segment.filling = writeFully(segment.handle!, Buffer.alloc(length), from)
      .then(() => {
        segment.zeroed = from + length;
      })
      .catch(() => {})
      .finally(() => (segment.filling = undefined));
  }

  private async writableSegment(): Promise<Segment> {
    if (this.current) return this.current;
    await mkdir(this.journalDir, { recursive: true });
    const seq = this.nextSeq++;
    const path = join(this.journalDir, `${String(seq).padStart(12, '0')}.log`);
    // O_DSYNC: each write returns once its bytes (and the size to read them back) are on disk,
    // so a group is one thread-pool job on the ack path, not a write and then an fdatasync.
    // Not O_APPEND: groups are written at their offset, over the zero fill.
    const handle = await open(path, constants.O_WRONLY | constants.O_CREAT | (DSYNC ?? 0));
    // The new file's directory entry must be durable before anything in it is acknowledged.
    await syncDirectory(this.journalDir);
    this.current = { seq, path, handle, bytes: 0, zeroed: 0, latest: new Map() };
    return this.current;
  }

  /** The current segment stops taking writes; the next write opens a new one. */
  private seal(): void {
    if (!this.current) return;
    this.sealed.push(this.current);
    this.current = undefined;
  }

  private startCompaction(): void {
    this.compacting ??= this.compactSealed()
      .catch((err) => this.logger.warn('scene journal: compaction failed; the segments stay and are retried later', err))
      .finally(() => (this.compacting = undefined));
  }

  /** One segment at a time, oldest first, so a snapshot never goes back to an older version. */
  private async compactSealed(): Promise<void> {
    while (this.sealed.length > 0) {
      const segment = this.sealed[0]!;
      await segment.filling;
      await segment.handle?.close();
      segment.handle = undefined;
      for (const [room, stored] of segment.latest) {
        await writeAtomically(this.scenesDir, `${room}.json`, JSON.stringify({ data: stored.data, version: stored.version }));
      }
      await rm(segment.path, { force: true });
      await syncDirectory(this.journalDir);
      this.sealed.shift();
    }
  }
}

/** Applies segments (oldest first) over snapshots, in place. */
export function replaySegments(scenes: Record<string, StoredScene>, segments: readonly Segment[]): void {
  replayJournal(scenes, segments);
}

/** Undefined where the platform has no O_DSYNC (Windows): then each group is written and fdatasynced. */
const DSYNC: number | undefined = constants.O_DSYNC;
/** One background zero fill: about 90 ops of a 10 KB scene, or 4× the group that asked for it. */
const ZERO_FILL_BYTES = 1024 * 1024;

async function writeFully(handle: FileHandle, bytes: Buffer, position: number): Promise<void> {
  let offset = 0;
  while (offset < bytes.byteLength) {
    const { bytesWritten } = await handle.write(bytes, offset, bytes.byteLength - offset, position + offset);
    offset += bytesWritten;
  }
}

/**
 * The segments on disk, oldest first, each with the last record per room. A segment ends at
 * its first line that is torn (no newline: the write was cut off) or not a record; what
 * follows it was never acknowledged, because writes after a failure go to a new segment.
 */
export async function readSegments(journalDir: string, logger: JournalLogger): Promise<Segment[]> {
  let names: string[];
  try {
    names = await readdir(journalDir);
  } catch (err) {
    if (isMissing(err)) return [];
    throw err;
  }
  const segments: Segment[] = [];
  for (const name of names.sort()) {
    const seq = JOURNAL_SEGMENT_FILE.exec(name)?.[1];
    if (!seq) continue;
    const path = join(journalDir, name);
    const text = await readFile(path, 'utf8');
    const { latest, stoppedAt } = parseJournalSegment(text);
    if (stoppedAt !== null) logger.warn(`scene journal: ${path} ends in an incomplete record at byte ${stoppedAt}; replayed what precedes it`);
    const bytes = Buffer.byteLength(text);
    segments.push({ seq: Number(seq), path, bytes, zeroed: bytes, latest });
  }
  return segments;
}
