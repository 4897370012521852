/**
 * Room-wide events that are not scene changes: announcements (tts.speak, tts.state, …), the
 * FastAPI version's media.play/stop and the overlays' close on a token rotation. Each goes to
 * this instance's sockets and onto the room's channel for the others (room-peers.ts), and
 * what the others send is delivered here the same way, without going back out.
 */
import type { Connection } from './connection.ts';
import type { RoomPeers } from './room-peers.ts';
import type { RoomBusMessage } from './room-bus.ts';

export type Audience = 'overlays' | 'moderators' | 'all';

export interface AnnouncerOutput {
  broadcast(message: object, filter?: (conn: Connection) => boolean): number;
  closeWhere(match: (conn: Connection) => boolean, code: number, reason: string): number;
}

export class RoomAnnouncer {
  constructor(
    private readonly peers: RoomPeers | null,
    private readonly out: AnnouncerOutput,
  ) {}

  /** Serialized once; returns how many of this instance's sockets got it. */
  announce(message: { type: string }, to: Audience): number {
    this.peers?.publish({ kind: 'announce', to, message });
    return this.here(message, to);
  }

  legacy(message: { type: string }): number {
    this.peers?.publish({ kind: 'legacy', message });
    return this.out.broadcast(message, (conn) => conn.legacy === true);
  }

  closeOverlays(code: number, reason: string): number {
    this.peers?.publish({ kind: 'close', role: 'overlay', code, reason });
    return this.out.closeWhere((conn) => conn.role === 'overlay', code, reason);
  }

  /** What another instance sent, for this instance's sockets only. */
  deliver(message: Extract<RoomBusMessage, { kind: 'announce' | 'legacy' | 'close' }>): void {
    if (message.kind === 'announce') this.here(message.message, message.to);
    else if (message.kind === 'legacy') this.out.broadcast(message.message, (conn) => conn.legacy === true);
    else this.out.closeWhere((conn) => conn.role === message.role, message.code, message.reason);
  }

  private here(message: { type: string }, to: Audience): number {
    if (to === 'all') return this.out.broadcast(message);
    return this.out.broadcast(message, (conn) => (to === 'overlays' ? conn.role === 'overlay' : conn.role !== 'overlay'));
  }
}
