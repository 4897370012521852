/**
 * The embedded store's scene journal on disk (DATA_DIR/journal/<seq>.log), readable by every
 * edge: the Node edge writes it (src/node/scene-journal.ts); any edge opening the same data
 * directory after a crash must replay it, or acknowledged commits would be lost. One JSON
 * record per line; a segment ends at its first torn or malformed line, because writes after
 * a failure go to a new segment. The Node edge zero-fills segments ahead of its writes: NUL
 * bytes after the last record are the unwritten rest of the segment, not a torn record.
 */
import type { StoredScene } from './store.ts';

/** Room names (or a room's draft, `<room>.draft`), checked again here so no path can leave the directory. */
export const JOURNAL_ROOM_NAME = /^[A-Za-z0-9_-]{1,64}(?:\.draft)?$/;
export const JOURNAL_SEGMENT_FILE = /^(\d{12})\.log$/;

export function journalLine(room: string, stored: StoredScene): string {
  return JSON.stringify({ room, version: stored.version, data: stored.data }) + '\n';
}

/** The last record per room of one segment's text, and where it stopped early (a torn line), if it did. */
export function parseJournalSegment(text: string): { latest: Map<string, StoredScene>; stoppedAt: number | null } {
  const latest = new Map<string, StoredScene>();
  let start = 0;
  while (start < text.length) {
    const end = text.indexOf('\n', start);
    const record = end === -1 ? undefined : parseRecord(text.slice(start, end));
    if (!record) return { latest, stoppedAt: onlyZeroFill(text, start) ? null : start };
    latest.set(record.room, { data: record.data, version: record.version });
    start = end + 1;
  }
  return { latest, stoppedAt: null };
}

/** Applies segments' records (oldest segment first) over snapshots, in place; never moves a room back. */
export function replayJournal(scenes: Record<string, StoredScene>, segments: readonly { latest: ReadonlyMap<string, StoredScene> }[]): string[] {
  const changed = new Set<string>();
  for (const segment of segments) {
    for (const [room, stored] of segment.latest) {
      if (stored.version >= (scenes[room]?.version ?? 0)) {
        scenes[room] = stored;
        changed.add(room);
      }
    }
  }
  return [...changed];
}

function onlyZeroFill(text: string, from: number): boolean {
  for (let i = from; i < text.length; i++) if (text.charCodeAt(i) !== 0) return false;
  return true;
}

function parseRecord(line: string): { room: string; version: number; data: string } | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  const record = value as { room?: unknown; version?: unknown; data?: unknown } | null;
  if (
    typeof record !== 'object' || record === null ||
    typeof record.room !== 'string' || !JOURNAL_ROOM_NAME.test(record.room) ||
    typeof record.data !== 'string' ||
    !Number.isSafeInteger(record.version) || (record.version as number) < 1
  ) {
    return undefined;
  }
  return { room: record.room, version: record.version as number, data: record.data };
}
