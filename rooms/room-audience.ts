/**
 * Who is watching and editing an overlay room, for the panels: each socket's client state,
 * the presence list and `room.status`, both throttled. With several instances the panels see
 * the whole room: this instance's sockets plus the tallies the others send (room-peers.ts).
 */
import { PresenceBoard } from './presence.ts';
import { ObsBoard } from './obs-board.ts';
import { OpRateLimiter } from './op-rate-limit.ts';
import { mergeTallies, statusMessage, tallyClients, ThrottledPublish, type ClientState, type OverlayRoomStats } from './overlay-status.ts';
import type { Connection } from './connection.ts';
import type { RoomPeers } from './room-peers.ts';
import type { Tally } from './room-bus.ts';
import type { ServerMessage } from '../src/protocol/messages.ts';

export interface AudienceRoom {
  readonly id: string;
  readonly connections: ReadonlyMap<string, Connection>;
  readonly currentVersion: number;
  readonly droppedSlowSockets: number;
  clientState(connId: string): Readonly<ClientState & { lastSeen: number }> | undefined;
}

export class RoomAudience {
  readonly clients = new Map<string, ClientState>();
  /** Moderators see how many overlays are live and whether they caught up. */
  private readonly status: ThrottledPublish;
  /** Panels only: each moderator gets the list with its own id as `you`. */
  private readonly presence: PresenceBoard;
  private readonly remotePresence: ThrottledPublish;
  /** OBS as this instance's overlays report it, frozen overlays, and OBS commands run by one chosen overlay. */
  readonly obs: ObsBoard;

  constructor(
    private readonly room: AudienceRoom,
    private readonly out: { send(conn: Connection, message: ServerMessage): boolean; broadcast(message: ServerMessage, filter: (conn: Connection) => boolean): void },
    private readonly peers: RoomPeers | null,
    throttleMs: number,
  ) {
    this.status = new ThrottledPublish(() => {
      this.peers?.sendTally();
      this.out.broadcast(statusMessage(this.stats(), this.obs), (conn) => conn.role !== 'overlay');
    }, throttleMs);
    this.obs = new ObsBoard({
      overlays: () => [...this.room.connections.values()].filter((conn) => conn.role === 'overlay'),
      send: (conn, message) => this.out.send(conn, message),
      version: () => this.room.currentVersion,
      client: (id) => this.room.clientState(id),
      changed: () => this.status.request(),
      now: () => Date.now(),
    });
    this.presence = new PresenceBoard(() => {
      this.peers?.sendTally();
      this.sendPresence();
    }, throttleMs);
    this.remotePresence = new ThrottledPublish(() => this.sendPresence(), throttleMs);
  }

  join(conn: Connection): void {
    this.clients.set(conn.id, { ops: new OpRateLimiter(), appliedVersion: null, applyLatencyMs: null });
    // The streamer's dashboard only watches: the panels' presence list is for editors.
    if (conn.role !== 'overlay' && conn.role !== 'control' && !conn.meta?.dashboard) this.presence.join(conn);
    if (conn.role === 'overlay') this.obs.watch();
  }

  leave(conn: Connection): void {
    this.clients.delete(conn.id);
    this.presence.leave(conn);
    this.obs.leave(conn);
    this.changed();
  }

  select(conn: Connection, selection: string[] | null): void {
    this.presence.select(conn, selection);
  }

  /** An overlay applied `version` (latency NaN when it did not say when it got it). */
  applied(clientId: string | null, version: number, latencyMs: number): void {
    const client = clientId ? this.clients.get(clientId) : undefined;
    if (client) {
      client.appliedVersion = Math.max(client.appliedVersion ?? 0, version);
      if (Number.isFinite(latencyMs)) client.applyLatencyMs = latencyMs;
    }
    this.changed();
  }

  /** Counts or versions moved: a `room.status` goes out at the end of the throttle window. */
  changed(): void {
    this.status.request();
  }

  /** Another instance's tally changed. */
  peersChanged(): void {
    this.status.request();
    this.remotePresence.request();
  }

  /** This instance's share, for the other instances. */
  tally(): Tally {
    return { ...tallyClients(this.room.connections.values(), this.clients), presence: this.presence.list() };
  }

  /** This instance's figures; with other instances, `cluster` adds up the room on all of them. */
  stats(): OverlayRoomStats {
    const here = tallyClients(this.room.connections.values(), this.clients);
    const stats: OverlayRoomStats = { room: this.room.id, version: this.room.currentVersion, ...here, dropped_slow_sockets: this.room.droppedSlowSockets };
    if (this.peers) stats.cluster = mergeTallies([here, ...this.peers.remoteTallies()]);
    return stats;
  }

  dispose(): void {
    this.presence.dispose();
    this.obs.dispose();
    this.status.cancel();
    this.remotePresence.cancel();
  }

  private sendPresence(): void {
    const moderators = [...this.presence.list(), ...(this.peers?.remoteTallies().flatMap((tally) => tally.presence) ?? [])];
    for (const conn of this.room.connections.values()) {
      if (conn.role !== 'overlay') this.out.send(conn, { type: 'presence.state', moderators, you: conn.id } satisfies ServerMessage);
    }
  }
}
