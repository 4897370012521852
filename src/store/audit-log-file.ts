/**
 * The embedded store's audit log on disk: one JSON line per entry, appended, so writing an
 * entry never rewrites the file. Parsing keeps the newest entries and says when the file has
 * grown enough to be compacted. Shared by the Node and Deno file persistences.
 */
import type { AuditEntry } from './store.ts';
import { AUDIT_CAP } from '../protocol/constants.ts';

/** A log is rewritten to its newest `cap` entries once it holds more than this many times that. */
export const AUDIT_COMPACT_FACTOR = 2;
const ROOM_NAME = /^[A-Za-z0-9_-]{1,64}$/;

export const auditFileName = (room: string): string => {
  if (!ROOM_NAME.test(room)) throw new Error(`refusing an audit log for room name ${JSON.stringify(room)}`);
  return `${room}.jsonl`;
};

export const roomOfAuditFile = (name: string): string | null => /^([A-Za-z0-9_-]{1,64})\.jsonl$/.exec(name)?.[1] ?? null;

export const formatAuditLines = (entries: readonly AuditEntry[]): string => entries.map((entry) => `${JSON.stringify(entry)}\n`).join('');

/** The newest `keep` entries; a torn last line (a crash mid-append) or a bad line is skipped. */
export function parseAuditLog(text: string, keep = AUDIT_CAP): { entries: AuditEntry[]; compact: boolean } {
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  const entries: AuditEntry[] = [];
  for (const line of lines.slice(-keep)) {
    try {
      const entry = JSON.parse(line) as unknown;
      if (typeof entry === 'object' && entry !== null && !Array.isArray(entry)) entries.push(entry as AuditEntry);
    } catch {
      // Not a whole entry: skip it, keep the rest.
    }
  }
  // Rewrite an overgrown log, and one whose last line is torn: the next append would glue onto it.
  return { entries, compact: lines.length > keep * AUDIT_COMPACT_FACTOR || (text !== '' && !text.endsWith('\n')) };
}
