import type * as v from 'valibot';
import type { Connection, Role } from './connection.ts';
import { CloseCode, SILENT_SOCKET_MS } from '../src/protocol/constants.ts';
import { parseJsonMessage, type ParseFailure } from '../src/protocol/parse.ts';
import type { Metrics } from '../src/metrics/metrics.ts';

/** Past this much unsent data a client is too slow to keep: drop it, it reconnects and resyncs. */
export const MAX_BUFFERED_BYTES = 2 * 1024 * 1024;

/** What every room answers a frame it cannot take with: one shape for every socket kind. */
export type FrameError = { type: 'error'; req_id?: string | number; code: string; message: string; issues?: Record<string, string[]> };
export type FrameRefusal = Omit<FrameError, 'type'>;

/**
 * The base every room actor stands on (after partyserver's Server): it owns its sockets,
 * sends without ever awaiting a client, drops a socket whose send fails or lags, and is the
 * one place a frame enters a room: `receive` checks, parses and validates it, then hands the
 * subclass a typed message. `M` is what the role schemas parse to.
 */
export abstract class Room<M = unknown> {
  readonly connections = new Map<string, Connection>();
  /** When the room last had a connection or a message; the registry disposes idle rooms. */
  lastActivity: number;
  /** Sockets this room dropped for lagging; the process-wide count is in Metrics. */
  droppedSlowSockets = 0;
  /** When each socket last sent anything; `sweep` closes the silent ones. */
  private readonly lastSeen = new Map<string, number>();

  constructor(
    readonly id: string,
    private readonly counters: Pick<Metrics, 'droppedSlowSockets'>,
    /** The room's clock; tests move it to make a socket quiet. */
    protected readonly now: () => number = Date.now,
  ) {
    this.lastActivity = now();
  }

  /** True when the room holds no sockets and no work, so the registry may drop it. */
  isIdle(now: number, idleMs: number): boolean {
    return this.connections.size === 0 && now - this.lastActivity >= idleMs && !this.busy();
  }

  protected busy(): boolean {
    return false;
  }

  protected addConnection(conn: Connection): void {
    this.connections.set(conn.id, conn);
    this.lastActivity = this.now();
    this.lastSeen.set(conn.id, this.lastActivity);
  }

  protected removeConnection(conn: Connection): boolean {
    this.lastActivity = this.now();
    this.lastSeen.delete(conn.id);
    return this.connections.delete(conn.id);
  }

  /** When a socket of this room last sent a frame (or joined); undefined once it left. */
  seenAt(connId: string): number | undefined {
    return this.lastSeen.get(connId);
  }

  /**
   * A frame from a socket of this room: its text, or null for a binary frame (the protocol is
   * JSON text). Every refusal goes out as one `error {req_id?, code, message, issues?}`.
   */
  receive(conn: Connection, text: string | null): void {
    if (!this.connections.has(conn.id)) return;
    const now = this.now();
    this.lastSeen.set(conn.id, now);
    this.lastActivity = now;
    if (!this.admitFrame(conn, now)) return;
    if (text === null) return this.refuse(conn, { code: 'bad_message', message: 'binary frames are not part of the protocol; send JSON text' });
    const limit = this.maxFrameChars();
    if (text.length > limit) return this.refuse(conn, { code: 'too_large', message: `message is ${text.length} characters; the limit is ${limit}` });
    const parsed = parseJsonMessage(this.schemaFor(conn.role), text);
    if (!parsed.ok) return this.refuse(conn, this.describeFailure(conn, parsed));
    this.handle(conn, parsed.value);
  }

  /** The schema a socket of this role may send; the parsed value goes to `handle`. */
  protected abstract schemaFor(role: Role): v.GenericSchema<unknown, M>;
  /** A valid message from a socket, already checked against `schemaFor(conn.role)`. */
  protected abstract handle(conn: Connection, message: M): void;

  /** Whether to look at a frame at all (e.g. a per-socket rate); refusing is up to the room. */
  protected admitFrame(_conn: Connection, _now: number): boolean {
    return true;
  }

  /** Longest frame the room parses; the transport's maxPayload bounds the rest. */
  protected maxFrameChars(): number {
    return Number.POSITIVE_INFINITY;
  }

  /** How a parse failure is told to the client; rooms may pick a finer code from it. */
  protected describeFailure(_conn: Connection, failure: ParseFailure): FrameRefusal {
    return { req_id: failure.reqId, code: failure.code, message: failure.message, issues: failure.issues };
  }

  protected refuse(conn: Connection, refusal: FrameRefusal): void {
    const { req_id, code, message, issues } = refusal;
    this.send(conn, { type: 'error', ...(req_id !== undefined ? { req_id } : {}), code, message, ...(issues ? { issues } : {}) } satisfies FrameError);
  }

  /** Close sockets that stopped talking (clients ping every PING_INTERVAL_MS); the registry calls it. */
  sweep(now: number): void {
    for (const conn of [...this.connections.values()]) {
      const seen = this.lastSeen.get(conn.id);
      if (seen !== undefined && now - seen > SILENT_SOCKET_MS) this.drop(conn, CloseCode.idle, 'no message for too long');
    }
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

  /** The route's close or error: the socket leaves (once, whether it closed or we dropped it). */
  disconnect(conn: Connection): void {
    if (this.connections.has(conn.id)) this.onDisconnect(conn);
  }

  /** Called once per connection when it leaves, whether it closed or we dropped it. */
  abstract onDisconnect(conn: Connection): void;
  /** Release timers; the registry calls it when the room is dropped or the server stops. */
  abstract dispose(): void;
}
