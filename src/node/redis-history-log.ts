/**
 * Scene history on Redis: one list per segment (`<prefix>history:<room>:<start>`, element 0 the
 * segment's header with its full scene, then one element per version) and the room's index as
 * a value (`<prefix>history-index:<room>`). Adding a version is one RPUSH of that version alone;
 * keeping segments as whole values (KvHistoryLog) re-serialized and re-sent up to a whole
 * segment per op, on the event loop of every op's commit. History an older build kept as KV
 * values is moved into lists the first time a room's index is read.
 */
import type { Redis } from 'ioredis';
import { KvHistoryLog, type HistoryEntry, type HistoryLog, type HistorySegment, type HistorySegmentInfo } from '../store/history-log.ts';

type Run = <T>(operation: () => Promise<T>) => Promise<T>;

export class RedisHistoryLog implements HistoryLog {
  constructor(
    private readonly client: Redis,
    private readonly prefix: string,
    private readonly run: Run,
    /** The same store's KV history of older builds, to move from. */
    private readonly earlier: KvHistoryLog,
  ) {}

  async loadIndex(room: string): Promise<HistorySegmentInfo[] | null> {
    const raw = await this.run(() => this.client.get(this.indexKey(room)));
    if (raw !== null) return JSON.parse(raw) as HistorySegmentInfo[];
    return this.moveEarlier(room);
  }

  async loadSegment(room: string, start: number): Promise<HistorySegment | null> {
    const elements = await this.run(() => this.client.lrange(this.segmentKey(room, start), 0, -1));
    if (elements.length === 0) return null;
    const header = JSON.parse(elements[0]!) as Pick<HistorySegment, 'start' | 'snapshot'>;
    return { start: header.start, snapshot: header.snapshot, entries: elements.slice(1).map((e) => JSON.parse(e) as HistoryEntry) };
  }

  async write(room: string, segment: HistorySegment, entry: HistoryEntry, bytesBefore: number): Promise<number> {
    const key = this.segmentKey(room, segment.start);
    const line = JSON.stringify(entry);
    if (segment.entries.length > 1) {
      await this.run(() => this.client.rpush(key, line));
      return bytesBefore + line.length;
    }
    const header = JSON.stringify({ start: segment.start, snapshot: segment.snapshot });
    // A list left under this start (a room whose versions started over) is replaced, atomically.
    await this.run(() => this.client.multi().del(key).rpush(key, header, line).exec());
    return header.length + line.length;
  }

  async dropSegment(room: string, start: number): Promise<void> {
    await this.run(() => this.client.del(this.segmentKey(room, start)));
  }

  async saveIndex(room: string, index: HistorySegmentInfo[]): Promise<void> {
    await this.run(() => this.client.set(this.indexKey(room), JSON.stringify(index)));
  }

  private async moveEarlier(room: string): Promise<HistorySegmentInfo[] | null> {
    const index = await this.earlier.loadIndex(room);
    if (index === null) return null;
    const moved: HistorySegmentInfo[] = [];
    for (const info of index) {
      const segment = await this.earlier.loadSegment(room, info.start);
      if (!segment || segment.entries.length === 0) continue;
      const header = JSON.stringify({ start: segment.start, snapshot: segment.snapshot });
      const lines = segment.entries.map((e) => JSON.stringify(e));
      const key = this.segmentKey(room, segment.start);
      await this.run(() => this.client.multi().del(key).rpush(key, header, ...lines).exec());
      moved.push({ ...info, bytes: header.length + lines.reduce((sum, l) => sum + l.length, 0) });
    }
    await this.saveIndex(room, moved);
    for (const info of index) await this.earlier.dropSegment(room, info.start);
    await this.earlier.dropIndex(room);
    return moved;
  }

  private indexKey(room: string): string {
    return `${this.prefix}history-index:${room}`;
  }

  private segmentKey(room: string, start: number): string {
    return `${this.prefix}history:${room}:${start}`;
  }
}
