/**
 * Scene history of the embedded store on Node, append-only: DATA_DIR/history/<room>/<start>.log
 * holds one segment (scene-history.ts), a header line with the full scene at its first version,
 * then one line per version. Adding a version appends one line; nothing is rewritten. Appends
 * are not fdatasynced one by one: the version itself is already durable in the scene journal
 * before it is acknowledged, a process crash (SIGKILL) loses nothing the kernel holds, and an
 * fdatasync per version per room would queue beside the journal's on the same thread pool. A
 * power loss can cost the newest lines; the next version then opens a new segment (a gap). Pruning removes whole files. The files are the index: at a room's first read each
 * is scanned, and a torn last line (a write cut off by a crash, never acknowledged) is cut away
 * so the next append starts on a clean line.
 */
import { mkdir, open, readdir, readFile, rm, truncate, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { HistoryEntry, HistoryLog, HistorySegment, HistorySegmentInfo } from '../store/history-log.ts';
import { isMissing, syncDirectory } from './atomic-file.ts';
import { ROOM_NAME } from './scene-journal.ts';

export interface HistoryFilesLogger {
  warn(message: string, ...details: unknown[]): void;
}

const SEGMENT_FILE = /^(\d{12})\.log$/;

interface ParsedSegment {
  segment: HistorySegment;
  /** Bytes up to the end of the last whole record. */
  validBytes: number;
  torn: boolean;
}

/** History writes on the thread pool at once (of its 4 threads; the journal needs one). */
const WRITERS = 2;
/** Segment files kept open for appending, one per recently written room. */
const OPEN_APPENDERS = 256;

interface Appender {
  start: number;
  handle: FileHandle;
  /** A write is on it: not to be closed from under it. */
  busy: boolean;
}

export class HistoryFiles implements HistoryLog {
  private readonly appenders = new Map<string, Appender>();
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly dir: string,
    private readonly logger: HistoryFilesLogger,
  ) {}

  async loadIndex(room: string): Promise<HistorySegmentInfo[] | null> {
    const roomDir = this.roomDir(room);
    let names: string[];
    try {
      names = await readdir(roomDir);
    } catch (err) {
      if (isMissing(err)) return null;
      throw err;
    }
    const index: HistorySegmentInfo[] = [];
    for (const name of names.filter((n) => SEGMENT_FILE.test(n)).sort()) {
      const path = join(roomDir, name);
      const parsed = parseSegmentFile(await readFile(path));
      if (!parsed) {
        // Its header never made it whole to disk, so none of its versions was acknowledged.
        this.logger.warn(`history files: removing ${path}: no whole header line`);
        await rm(path, { force: true });
        continue;
      }
      if (parsed.torn) {
        this.logger.warn(`history files: ${path} ends in an incomplete record; cut back to byte ${parsed.validBytes}`);
        await truncate(path, parsed.validBytes);
      }
      const { segment } = parsed;
      const last = segment.entries.at(-1)!;
      index.push({ start: segment.start, end: last.version, lastTs: last.ts, bytes: parsed.validBytes });
    }
    return index;
  }

  async loadSegment(room: string, start: number): Promise<HistorySegment | null> {
    try {
      return parseSegmentFile(await readFile(this.segmentPath(room, start)))?.segment ?? null;
    } catch (err) {
      if (isMissing(err)) return null;
      throw err;
    }
  }

  async write(room: string, segment: HistorySegment, entry: HistoryEntry, bytesBefore: number): Promise<number> {
    const path = this.segmentPath(room, segment.start);
    const fresh = segment.entries.length === 1;
    const bytes = Buffer.from(fresh ? headerLine(segment) + entryLine(entry) : entryLine(entry), 'utf8');
    await this.turn();
    try {
      let appender = this.appenders.get(room);
      if (fresh || appender?.start !== segment.start) {
        await this.closeAppender(room);
        if (fresh) await mkdir(this.roomDir(room), { recursive: true });
        // 'w' for a new segment: a file left with this start (a room whose versions started over) is replaced.
        appender = { start: segment.start, handle: await open(path, fresh ? 'w' : 'a'), busy: false };
        this.keepAppender(room, appender);
      }
      appender.busy = true;
      try {
        await writeAll(appender.handle, bytes);
        appender.busy = false;
      } catch (err) {
        appender.busy = false;
        // Where the file ends is unknown now; the next write opens it afresh (SceneHistory re-reads).
        await this.closeAppender(room);
        throw err;
      }
      if (fresh) {
        // The new file's directory entry (and a new room directory's) must be durable too.
        await syncDirectory(this.roomDir(room));
        await syncDirectory(this.dir);
      }
    } finally {
      this.done();
    }
    return (fresh ? 0 : bytesBefore) + bytes.byteLength;
  }

  /** Closes every kept file handle (a clean stop, after the last write). */
  async close(): Promise<void> {
    while (this.running > 0) await new Promise((resolve) => setImmediate(resolve));
    await Promise.all([...this.appenders.keys()].map((room) => this.closeAppender(room)));
  }

  /**
   * At most WRITERS history writes use the libuv thread pool at once: one per version per room
   * from 100 busy rooms filled its 4 threads, and the scene journal's write and fdatasync (the
   * ack path) queued behind them.
   */
  private turn(): Promise<void> {
    if (this.running < WRITERS) {
      this.running++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private done(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.running--;
  }

  /** The room's current segment stays open: one thread-pool job per version, not open + write + close. */
  private keepAppender(room: string, appender: Appender): void {
    this.appenders.set(room, appender);
    if (this.appenders.size <= OPEN_APPENDERS) return;
    // Least recently opened first (Map order); a room that writes again simply reopens.
    for (const [other, kept] of this.appenders) {
      if (other === room || kept.busy) continue;
      void this.closeAppender(other);
      return;
    }
  }

  private async closeAppender(room: string): Promise<void> {
    const appender = this.appenders.get(room);
    if (!appender) return;
    this.appenders.delete(room);
    await appender.handle.close().catch((err: unknown) => this.logger.warn(`history files: closing ${room}'s segment failed`, err));
  }

  /** A whole segment at once (moving history written elsewhere into files). */
  async writeWhole(room: string, segment: HistorySegment): Promise<void> {
    if (segment.entries.length === 0) return;
    await mkdir(this.roomDir(room), { recursive: true });
    const handle = await open(this.segmentPath(room, segment.start), 'w');
    try {
      await handle.writeFile(headerLine(segment) + segment.entries.map(entryLine).join(''), 'utf8');
      await handle.datasync();
    } finally {
      await handle.close();
    }
    await syncDirectory(this.roomDir(room));
    await syncDirectory(this.dir);
  }

  async dropSegment(room: string, start: number): Promise<void> {
    if (this.appenders.get(room)?.start === start) await this.closeAppender(room);
    await rm(this.segmentPath(room, start), { force: true });
  }

  /** The files are the index. */
  async saveIndex(): Promise<void> {}

  private roomDir(room: string): string {
    if (!ROOM_NAME.test(room)) throw new Error(`refusing to keep history for room name ${JSON.stringify(room)}`);
    return join(this.dir, room);
  }

  private segmentPath(room: string, start: number): string {
    if (!Number.isSafeInteger(start) || start < 1) throw new RangeError(`bad history segment start ${start}`);
    return join(this.roomDir(room), `${String(start).padStart(12, '0')}.log`);
  }
}

async function writeAll(handle: FileHandle, bytes: Buffer): Promise<void> {
  for (let offset = 0; offset < bytes.byteLength; ) {
    const { bytesWritten } = await handle.write(bytes, offset, bytes.byteLength - offset, null);
    offset += bytesWritten;
  }
}

const headerLine = (segment: HistorySegment) => JSON.stringify({ start: segment.start, snapshot: segment.snapshot }) + '\n';
const entryLine = (entry: HistoryEntry) => JSON.stringify(entry) + '\n';

/** A segment file read up to its last whole record; null when not even the header and first version are whole. */
function parseSegmentFile(bytes: Buffer): ParsedSegment | null {
  let segment: HistorySegment | null = null;
  let offset = 0;
  let torn = false;
  while (offset < bytes.length) {
    const end = bytes.indexOf(0x0a, offset);
    const record = end === -1 ? undefined : parseLine(bytes.subarray(offset, end).toString('utf8'));
    if (record === undefined) {
      torn = true;
      break;
    }
    if (segment === null) {
      if (!isHeader(record)) return null;
      segment = { start: record.start, snapshot: record.snapshot, entries: [] };
    } else if (isEntry(record) && record.version === (segment.entries.at(-1)?.version ?? segment.start - 1) + 1) {
      segment.entries.push(record);
    } else {
      torn = true;
      break;
    }
    offset = end + 1;
  }
  if (!segment || segment.entries.length === 0) return null;
  return { segment, validBytes: offset, torn };
}

function parseLine(line: string): unknown {
  try {
    return JSON.parse(line) as unknown;
  } catch {
    return undefined;
  }
}

function isHeader(value: unknown): value is { start: number; snapshot: HistorySegment['snapshot'] } {
  const record = value as { start?: unknown; snapshot?: { items?: unknown } } | null;
  return typeof record === 'object' && record !== null && Number.isSafeInteger(record.start) && Array.isArray(record.snapshot?.items);
}

function isEntry(value: unknown): value is HistoryEntry {
  const record = value as Partial<Record<keyof HistoryEntry, unknown>> | null;
  return (
    typeof record === 'object' && record !== null &&
    Number.isSafeInteger(record.version) && typeof record.ts === 'number' &&
    typeof record.who === 'string' && typeof record.summary === 'string' && Array.isArray(record.ops)
  );
}
