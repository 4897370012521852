/**
 * Who is in a room's panels and what each has selected. The room feeds it joins, leaves and
 * `presence` messages; it coalesces bursts (a click storm, ten panels reconnecting after a
 * restart) into one `presence.state` per throttle window, like `room.status`.
 */
import type { Connection } from './connection.ts';
import type { PresenceEntry } from '../src/protocol/messages.ts';

export class PresenceBoard {
  private readonly entries = new Map<string, PresenceEntry>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private disposed = false;

  constructor(
    /** Sends the list to every panel; called at most once per `throttleMs`. */
    private readonly publish: (moderators: PresenceEntry[]) => void,
    private readonly throttleMs: number,
  ) {}

  join(conn: Connection): void {
    // The session, not the socket: a reloaded panel keeps its colour.
    this.entries.set(conn.id, { id: conn.id, label: conn.label, color: colorOf(conn.sessionId ?? conn.id), selection: null });
    this.schedule();
  }

  leave(conn: Connection): void {
    if (this.entries.delete(conn.id)) this.schedule();
  }

  select(conn: Connection, selection: string[] | null): void {
    const entry = this.entries.get(conn.id);
    if (!entry || sameSelection(entry.selection, selection)) return;
    entry.selection = selection;
    this.schedule();
  }

  list(): PresenceEntry[] {
    return [...this.entries.values()].map((entry) => ({ ...entry, selection: entry.selection && [...entry.selection] }));
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(): void {
    if (this.timer || this.disposed) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.publish(this.list());
    }, this.throttleMs);
  }
}

/** A stable, readable colour per identity: a hue from an FNV-1a hash of the id. */
export function colorOf(id: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    hash ^= id.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return `hsl(${(hash >>> 0) % 360} 75% 55%)`;
}

function sameSelection(a: string[] | null, b: string[] | null): boolean {
  if (a === null || b === null) return a === b;
  return a.length === b.length && a.every((id, i) => id === b[i]);
}
