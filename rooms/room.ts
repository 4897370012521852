import type { Connection } from './connection.ts';
import { CloseCode } from '../src/protocol/constants.ts';
import type { Metrics } from '../src/metrics/metrics.ts';

/** Past this much unsent data a client is too slow to keep: drop it, it reconnects and resyncs. */
export const MAX_BUFFERED_BYTES = 2 * 1024 * 1024;

/**
 * The base every room actor stands on (after partyserver's Server): it owns its sockets,
 * sends without ever awaiting a client, and drops a socket whose send fails or lags.
 */
export abstract class Room {
  readonly connections = new Map<string, Connection>();
  /** When the room last had a connection or a message; the registry disposes idle rooms. */
  lastActivity = Date.now();
  /** Sockets this room dropped for lagging; the process-wide count is in Metrics. */
  droppedSlowSockets = 0;

  constructor(
    readonly id: string,
    private readonly counters: Pick<Metrics, 'droppedSlowSockets'>,
  ) {}

  /** True when the room holds no sockets and no work, so the registry may drop it. */
  isIdle(now: number, idleMs: number): boolean {
    return this.connections.size === 0 && now - this.lastActivity >= idleMs && !this.busy();
  }

  protected busy(): boolean {
    return false;
  }

  protected addConnection(conn: Connection): void {
    this.connections.set(conn.id, conn);
    this.lastActivity = Date.now();
  }

  protected removeConnection(conn: Connection): boolean {
    this.lastActivity = Date.now();
    return this.connections.delete(conn.id);
  }

  /** Send one already-serialized message; a lagging or broken socket is closed, never awaited. */
  protected sendRaw(conn: Connection, data: string): boolean {
    if (conn.bufferedAmount > MAX_BUFFERED_BYTES) {
      this.droppedSlowSockets++;
      this.counters.droppedSlowSockets++;
      this.drop(conn, CloseCode.lagging, 'client is too far behind; reconnect and resync');
      return false;
    }
    try {
      conn.send(data);
      return true;
    } catch {
      this.drop(conn, CloseCode.internal, 'send failed');
      return false;
    }
  }

  protected send(conn: Connection, message: object): boolean {
    return this.sendRaw(conn, JSON.stringify(message));
  }

  /** Serialize once, send to all (or those `filter` keeps). Returns how many got it. */
  protected broadcast(message: object, filter?: (conn: Connection) => boolean): number {
    const data = JSON.stringify(message);
    let sent = 0;
    for (const conn of this.connections.values()) {
      if (filter && !filter(conn)) continue;
      if (this.sendRaw(conn, data)) sent++;
    }
    return sent;
  }

  /** Close the sockets that match, e.g. every socket of an ended session. */
  closeWhere(match: (conn: Connection) => boolean, code: number, reason: string): number {
    let closed = 0;
    for (const conn of [...this.connections.values()]) {
      if (!match(conn)) continue;
      this.drop(conn, code, reason);
      closed++;
    }
    return closed;
  }

  protected drop(conn: Connection, code: number, reason: string): void {
    if (!this.connections.has(conn.id)) return;
    this.onDisconnect(conn);
    try {
      conn.close(code, reason);
    } catch {
      // Already closed underneath us; nothing left to release.
    }
  }

  /** Called once per connection when it leaves, whether it closed or we dropped it. */
  abstract onDisconnect(conn: Connection): void;
  /** Release timers; the registry calls it when the room is dropped or the server stops. */
  abstract dispose(): void;
}
