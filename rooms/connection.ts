/**
 * What a room knows of a socket: identity decided by the route before the room saw it, and
 * three verbs. Node, Deno and the room tests each provide their own.
 */
import type { Grant } from '../src/protocol/scopes.ts';

/** `control`: a read-only state feed for a button surface (WS /ws/control). */
export type Role = 'overlay' | 'moderator' | 'streamer' | 'publisher' | 'viewer' | 'control';

export interface Connection {
  readonly id: string;
  readonly role: Role;
  /** Who, for presence and audit: a moderator's label, "streamer", or "overlay". */
  readonly label: string;
  /** The moderator session behind this socket, so ending a session can close it. */
  readonly sessionId?: string;
  /**
   * What a moderator socket may do (absent: everything, the streamer). Mutable: the streamer
   * changing a live session's scopes reaches its open sockets without a reconnect.
   */
  grant?: Grant;
  /** Did not ask for `v=2`: a FastAPI-version page or script, sent that version's broadcast names. */
  readonly legacy?: boolean;
  /** What the upgrade request said about the client, for the streamer's health view. */
  readonly meta?: ConnectionMeta;
  /** Bytes queued in the socket and not yet written: how far behind the client is. */
  readonly bufferedAmount: number;
  send(data: string): void;
  close(code: number, reason: string): void;
}

export interface ConnectionMeta {
  connectedAt: number;
  userAgent: string;
  address: string;
  /** How many times this page had connected before (the overlay says so in its URL). */
  reconnects: number;
  /** The streamer's dashboard watching the room, not a panel editing it. */
  dashboard?: boolean;
}
