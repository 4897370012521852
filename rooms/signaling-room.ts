/**
 * One WebRTC signaling room: a publisher and its viewers. The room only relays SDP and ICE
 * between them (media flows peer to peer or through TURN) and keeps per-viewer stats. The
 * route has already checked each socket's token; the room validates every frame with the
 * schema for the socket's role and answers bad input with an `error` message, never a throw.
 */
import * as v from 'valibot';
import { Room, type FrameRefusal } from './room.ts';
import type { Connection, Role } from './connection.ts';
import { admitViewer, DEFAULT_VIEWER_LIMITS, type ViewerLimits, type ViewerOrigin } from './viewer-admission.ts';
import { CloseCode } from '../src/protocol/constants.ts';
import {
  MAX_SIGNALING_FRAME_CHARS,
  PUBLISHER_MESSAGE_TYPES,
  PublisherMessage,
  VIEWER_MESSAGE_TYPES,
  ViewerMessage,
  type PeerMetrics,
  type PublisherMessage as PublisherMessageType,
  type RoomState,
  type SignalingErrorCode,
  type ToPublisher,
  type ToViewer,
  type ViewerMessage as ViewerMessageType,
} from '../src/protocol/signaling.ts';
import type { ParseFailure } from '../src/protocol/parse.ts';
import type { Metrics } from '../src/metrics/metrics.ts';
import type { Logger } from '../src/logger.ts';
import type { MediaBackend, MediaBackendFactory, MediaPort } from './media-backend.ts';
import { SignalingRelay, type RelayHost } from './signaling-relay.ts';
import type { RoomBus } from './room-bus.ts';

/** ICE trickles dozens of candidates at once; a flood far past that is a broken or hostile peer. */
export const MESSAGE_BURST = 400;
export const MESSAGE_WINDOW_MS = 10_000;

interface Peer {
  conn: Connection;
  /** Viewers only: what their slot counts against. */
  origin: ViewerOrigin;
  joinedAt: number;
  windowStart: number;
  windowCount: number;
}

interface ViewerStats {
  /** What the publisher measured for this viewer (publisher.metrics). */
  publisher_view: PeerMetrics | null;
  publisher_view_at: number | null;
  /** What the viewer reported about itself (viewer.state). */
  viewer_view: PeerMetrics | null;
  viewer_view_at: number | null;
}

export interface SignalingRoomDeps {
  metrics: Metrics;
  log: Logger;
  /** Viewer slots per grant, address and room; defaults in viewer-admission.ts. */
  viewerLimits?: Partial<ViewerLimits>;
  /** The room's clock (tests move it to make a viewer quiet). */
  now?: () => number;
  /** The SFU (JANUS_URL): media through it. Absent: SDP and ICE are relayed peer to peer. */
  media?: MediaBackendFactory;
  /** Other instances on the same Redis: without the SFU, signaling is relayed to them. */
  bus?: RoomBus;
}

type SignalingMessage = PublisherMessageType | ViewerMessageType;

export class SignalingRoom extends Room<SignalingMessage> {
  private publisher: Peer | null = null;
  private publisherSince: number | null = null;
  private readonly viewers = new Map<string, Peer>();
  private readonly stats = new Map<string, ViewerStats>();
  private relayed = 0;
  private readonly limits: ViewerLimits;
  private readonly media: MediaBackend | null;
  /** The publisher or viewers on other instances (peer to peer only). */
  private readonly relay: SignalingRelay | null;

  constructor(id: string, private readonly deps: SignalingRoomDeps) {
    super(id, deps.metrics, deps.now);
    this.limits = { ...DEFAULT_VIEWER_LIMITS, ...deps.viewerLimits };
    this.media = deps.media ? deps.media(id, this.mediaPort()) : null;
    this.relay = deps.bus && !this.media ? new SignalingRelay(id, deps.bus, this.relayHost(), deps.log) : null;
  }

  /**
   * A socket whose token the route verified joins as `conn.role` (publisher or viewer). A
   * viewer's `origin` is the grant and address its slot counts against; without one the
   * socket counts alone.
   */
  connect(conn: Connection, origin: ViewerOrigin = { grantId: conn.id, address: conn.id }): void {
    const now = this.now();
    const peer: Peer = { conn, origin, joinedAt: now, windowStart: now, windowCount: 0 };
    if (conn.role === 'publisher') return this.connectPublisher(peer);
    if (conn.role !== 'viewer') {
      conn.close(CloseCode.policy, 'only publishers and viewers join a signaling room');
      return;
    }
    const seated = [...this.viewers.values()].map((p) => ({ id: p.conn.id, origin: p.origin, lastSeen: this.seenAt(p.conn.id) ?? p.joinedAt }));
    const admission = admitViewer(seated, origin, this.limits, now);
    if (!admission.admit) {
      this.deps.log.warn('webrtc viewer refused', { room: this.id, viewers: this.viewers.size, reason: admission.reason });
      conn.close(CloseCode.tryAgainLater, admission.reason);
      return;
    }
    for (const quiet of admission.evict) {
      const evicted = this.viewers.get(quiet.id);
      if (evicted) this.drop(evicted.conn, CloseCode.tryAgainLater, `silent for ${Math.round((now - quiet.lastSeen) / 1000)} s; the slot went to a new viewer`);
    }
    this.addConnection(conn);
    this.viewers.set(conn.id, peer);
    this.stats.set(conn.id, { publisher_view: null, publisher_view_at: null, viewer_view: null, viewer_view_at: null });
    this.send(conn, this.roomState(conn.id));
    if (this.media) return this.media.viewerJoined(conn);
    if (this.publisher) this.send(this.publisher.conn, { type: 'viewer.joined', viewer_id: conn.id } satisfies ToPublisher);
    this.relay?.viewerJoined(conn.id);
  }

  private connectPublisher(peer: Peer): void {
    const old = this.publisher;
    if (old) {
      // The newest publisher wins (a reload whose old socket has not timed out yet, or a
      // second device). Detach the old one first so its close does not announce "no publisher".
      this.publisher = null;
      this.removeConnection(old.conn);
      this.deps.log.info('webrtc publisher replaced', { room: this.id, viewers: this.viewers.size });
      this.sendRaw(old.conn, JSON.stringify({ type: 'publisher.replaced', message: 'another publisher joined this room' } satisfies ToPublisher));
      try {
        old.conn.close(CloseCode.publisherReplaced, 'publisher replaced');
      } catch {
        // Already gone.
      }
    }
    this.addConnection(peer.conn);
    this.publisher = peer;
    this.publisherSince = peer.joinedAt;
    this.send(peer.conn, this.media ? { ...this.roomState(), media: this.media.kind } : { ...this.roomState(), viewers: [...this.viewers.keys(), ...(this.relay?.remoteViewers ?? [])] });
    if (this.media) {
      if (old) this.media.publisherLeft(old.conn);
      this.media.publisherJoined(peer.conn);
    }
    // Viewers see a new publisher_session: drop the old peer connection, await the new offer.
    this.broadcastToViewers(this.roomState());
    this.relay?.publisherChanged(peer.conn.id);
  }

  onDisconnect(conn: Connection): void {
    if (!this.removeConnection(conn)) return;
    if (this.publisher?.conn.id === conn.id) {
      this.publisher = null;
      this.publisherSince = null;
      this.media?.publisherLeft(conn);
      this.broadcastToViewers(this.roomState());
      this.relay?.publisherChanged(null);
      return;
    }
    if (this.viewers.delete(conn.id)) {
      this.stats.delete(conn.id);
      if (this.media) return this.media.viewerLeft(conn);
      if (this.publisher) this.send(this.publisher.conn, { type: 'viewer.left', viewer_id: conn.id } satisfies ToPublisher);
      this.relay?.viewerLeft(conn.id);
    }
  }

  protected override schemaFor(role: Role): v.GenericSchema<unknown, SignalingMessage> {
    return role === 'publisher' ? PublisherMessage : ViewerMessage;
  }

  protected override handle(conn: Connection, message: SignalingMessage): void {
    // The schema was picked by this same role, so a publisher's message is a PublisherMessage.
    if (conn.role === 'publisher') this.fromPublisher(conn, message as PublisherMessageType);
    else this.fromViewer(conn, message as ViewerMessageType);
  }

  /** Every frame counts, even a bad one: a flood of garbage is still a flood. */
  protected override admitFrame(conn: Connection, now: number): boolean {
    this.deps.metrics.webrtcSignalingMessages++;
    const peer = this.peerOf(conn);
    return peer !== undefined && this.withinRate(peer, now);
  }

  protected override maxFrameChars(): number {
    return MAX_SIGNALING_FRAME_CHARS;
  }

  /** A type of the other role is `forbidden`, an unknown one `unknown_type`, an over-long SDP `too_large`. */
  protected override describeFailure(conn: Connection, failure: ParseFailure): FrameRefusal {
    if (failure.code === 'bad_json') return { code: failure.code, message: failure.message };
    const role = conn.role === 'publisher' ? 'publisher' : 'viewer';
    const type = failure.type;
    const own: readonly string[] = role === 'publisher' ? PUBLISHER_MESSAGE_TYPES : VIEWER_MESSAGE_TYPES;
    const other: readonly string[] = role === 'publisher' ? VIEWER_MESSAGE_TYPES : PUBLISHER_MESSAGE_TYPES;
    const reqId = failure.reqId !== undefined ? { req_id: failure.reqId } : {};
    if (typeof type !== 'string' || !own.includes(type)) {
      const shown = JSON.stringify(typeof type === 'string' ? type.slice(0, 64) : (type ?? null));
      if (typeof type === 'string' && other.includes(type)) return { ...reqId, code: 'forbidden', message: `a ${role} may not send ${shown}` };
      return { ...reqId, code: 'unknown_type', message: `unknown message type ${shown} for a ${role}; expected one of ${own.join(', ')}` };
    }
    const tooLarge = (failure.problems ?? []).some((issue) => issue.type === 'max_length' && /sdp|candidate/.test(v.getDotPath(issue) ?? ''));
    return { ...reqId, code: tooLarge ? 'too_large' : 'bad_message', message: failure.message, issues: failure.issues };
  }

  private fromPublisher(conn: Connection, message: PublisherMessageType): void {
    if (this.media && (message.type === 'offer' || message.type === 'ice-candidate')) return this.media.fromPublisher(conn, message);
    switch (message.type) {
      case 'ping':
        this.send(conn, { type: 'pong', server_ts: Date.now(), client_ts: message.client_ts } satisfies ToPublisher);
        return;
      case 'offer':
        this.toViewers(conn, message.to, { type: 'offer', sdp: message.sdp });
        return;
      case 'ice-candidate':
        this.toViewers(conn, message.to, { type: 'ice-candidate', candidate: message.candidate });
        return;
      case 'publisher.metrics': {
        const now = Date.now();
        for (const { viewer_id, ...metrics } of message.viewers) {
          const stats = this.stats.get(viewer_id);
          const viewer = this.viewers.get(viewer_id);
          if (!viewer && this.relay?.remoteViewers.has(viewer_id)) this.relay.toViewer(viewer_id, { type: 'publisher.metrics', metrics });
          // Metrics for a viewer that already left are stale, not an error.
          if (!stats || !viewer) continue;
          stats.publisher_view = metrics;
          stats.publisher_view_at = now;
          this.send(viewer.conn, { type: 'publisher.metrics', metrics } satisfies ToViewer);
        }
        return;
      }
    }
  }

  private fromViewer(conn: Connection, message: ViewerMessageType): void {
    const from = conn.id;
    if (message.type === 'ping') {
      this.send(conn, { type: 'pong', server_ts: Date.now(), client_ts: message.client_ts } satisfies ToViewer);
      return;
    }
    if (message.type === 'viewer.state') {
      const { type: _type, ...metrics } = message;
      const stats = this.stats.get(from);
      if (stats) {
        stats.viewer_view = metrics;
        stats.viewer_view_at = Date.now();
      }
      if (this.publisher) this.send(this.publisher.conn, { ...message, from } satisfies ToPublisher);
      else this.relay?.toPublisher({ ...message, from });
      return;
    }
    if (!this.publisher && this.relay?.remotePublisher) {
      this.relayed++;
      return this.relay.toPublisher({ ...message, from } as ToPublisher);
    }
    if (!this.publisher) return this.refuseWith(conn, 'no_publisher', `no publisher in room "${this.id}"; ${message.type} was not delivered`);
    if (this.media) return this.media.fromViewer(conn, message);
    this.relayed++;
    this.send(this.publisher.conn, { ...message, from } satisfies ToPublisher);
  }

  /** Publisher → one viewer (`to`) or every viewer, serialized once. */
  private toViewers(publisher: Connection, to: string | undefined, message: ToViewer): void {
    this.relayed++;
    if (to === undefined) {
      this.broadcastToViewers(message);
      this.relay?.toViewer(undefined, message);
      return;
    }
    const viewer = this.viewers.get(to);
    if (!viewer && this.relay?.remoteViewers.has(to)) return this.relay.toViewer(to, message);
    if (!viewer) return this.refuseWith(publisher, 'no_such_viewer', `no viewer "${to}" in room "${this.id}" (it may have left); ${message.type} was not delivered`);
    this.send(viewer.conn, message);
  }

  private broadcastToViewers(message: ToViewer): number {
    return this.broadcast(message, (conn) => this.viewers.has(conn.id));
  }

  private roomState(viewerId?: string): RoomState {
    return {
      type: 'room.state',
      room: this.id,
      publisher: this.publisher !== null || Boolean(this.relay?.remotePublisher),
      publisher_session: this.publisher ? this.publisher.conn.id + (this.media?.epoch ?? '') : (this.relay?.remotePublisher ?? null),
      ...(viewerId ? { viewer_id: viewerId } : {}),
    };
  }

  /** Counts frames per window; past the burst the frame is refused (once per window, said so). */
  private withinRate(peer: Peer, now: number): boolean {
    if (now - peer.windowStart >= MESSAGE_WINDOW_MS) {
      peer.windowStart = now;
      peer.windowCount = 0;
    }
    peer.windowCount++;
    if (peer.windowCount <= MESSAGE_BURST) return true;
    if (peer.windowCount === MESSAGE_BURST + 1) {
      this.refuseWith(peer.conn, 'rate_limited', `more than ${MESSAGE_BURST} messages in ${MESSAGE_WINDOW_MS / 1000} s; messages are dropped until the window ends`);
    }
    return false;
  }

  private refuseWith(conn: Connection, code: SignalingErrorCode, message: string): void {
    this.refuse(conn, { code, message });
  }

  private peerOf(conn: Connection): Peer | undefined {
    if (this.publisher?.conn.id === conn.id) return this.publisher;
    return this.viewers.get(conn.id);
  }

  get hasPublisher(): boolean {
    return this.publisher !== null;
  }

  get viewerCount(): number {
    return this.viewers.size;
  }

  /** GET /api/webrtc/rooms/:room/stats. */
  snapshot(now = Date.now()) {
    return {
      room: this.id,
      publisher: {
        online: this.publisher !== null,
        session: this.publisher?.conn.id ?? null,
        since: this.publisherSince,
        online_ms: this.publisherSince === null ? null : now - this.publisherSince,
      },
      viewers: [...this.viewers.values()].map((peer) => {
        const stats = this.stats.get(peer.conn.id);
        const view = stats?.publisher_view ?? null;
        const own = stats?.viewer_view ?? null;
        return {
          viewer_id: peer.conn.id,
          joined_at: peer.joinedAt,
          // The viewer knows its own state best; the publisher's view fills in what it lacks.
          state: own?.state ?? view?.state ?? 'new',
          candidate_type: own?.candidate_type ?? view?.candidate_type ?? null,
          metrics: view,
          metrics_at: stats?.publisher_view_at ?? null,
          viewer_report: own,
          viewer_report_at: stats?.viewer_view_at ?? null,
          ...(this.media ? { sfu: this.media.viewerSnapshot(peer.conn.id) } : {}),
        };
      }),
      relayed_messages: this.relayed,
      media: this.media?.snapshot() ?? { kind: 'p2p' },
    };
  }

  dispose(): void {
    // No timers of its own: sockets are closed by the server's drain, stats die with the room.
    this.media?.dispose();
    this.relay?.dispose();
  }

  /** How the relay reaches this room's sockets. */
  private relayHost(): RelayHost {
    return {
      localPublisher: () => this.publisher?.conn.id ?? null,
      localViewers: () => this.viewers.keys(),
      remotePublisherChanged: () => {
        if (!this.publisher) this.broadcastToViewers(this.roomState());
      },
      toLocalPublisher: (message) => {
        if (this.publisher) this.send(this.publisher.conn, message);
      },
      toLocalViewers: (to, message) => {
        if (to === undefined) return void this.broadcastToViewers(message);
        const viewer = this.viewers.get(to);
        if (viewer) this.send(viewer.conn, message);
      },
    };
  }

  /** How the media backend reaches this room's sockets. */
  private mediaPort(): MediaPort {
    return {
      toPublisher: (message) => {
        if (this.publisher) this.send(this.publisher.conn, message);
      },
      toViewer: (viewerId, message) => {
        const viewer = this.viewers.get(viewerId);
        if (viewer) this.send(viewer.conn, message);
      },
      renewViewers: () => {
        for (const viewer of this.viewers.values()) this.send(viewer.conn, this.roomState(viewer.conn.id));
      },
    };
  }
}
