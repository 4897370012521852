/**
 * The seam between a SignalingRoom and where media flows. Without one (no JANUS_URL) the
 * room relays SDP and ICE between the publisher and each viewer itself: peer to peer, as it
 * always did. With one (the Janus SFU) the room keeps sockets, tokens, limits, rate and
 * schema checks, and hands the media messages of both roles to the backend, which answers
 * through the port. The backend never sees a socket, only ids.
 */
import type { Connection } from './connection.ts';
import type { PublisherMessage, ToPublisher, ToViewer, ViewerMessage } from '../src/protocol/signaling.ts';

/** What a backend may do to the room's sockets. */
export interface MediaPort {
  toPublisher(message: ToPublisher): void;
  toViewer(viewerId: string, message: ToViewer): void;
  /**
   * The media session changed under every viewer (Janus restarted, the feed is new): send a
   * room.state with a new publisher_session so viewers drop their connections and await a new offer.
   */
  renewViewers(): void;
}

export type PublisherMediaMessage = Extract<PublisherMessage, { type: 'offer' | 'ice-candidate' }>;
export type ViewerMediaMessage = Extract<ViewerMessage, { type: 'answer' | 'ice-candidate' | 'viewer.request-keyframe' | 'viewer.request-restart' }>;

export interface MediaBackend {
  /** `room.state.media`, so the publisher page knows to keep one connection to the SFU. */
  readonly kind: 'sfu';
  /** Appended to publisher_session: changes when the SFU's media session does. */
  readonly epoch: string;
  publisherJoined(conn: Connection): void;
  publisherLeft(conn: Connection): void;
  viewerJoined(conn: Connection): void;
  viewerLeft(conn: Connection): void;
  fromPublisher(conn: Connection, message: PublisherMediaMessage): void;
  fromViewer(conn: Connection, message: ViewerMediaMessage): void;
  /** For the room stats route: the SFU's view of the room and of one viewer. */
  snapshot(): Record<string, unknown>;
  viewerSnapshot(viewerId: string): Record<string, unknown> | null;
  dispose(): void;
}

export type MediaBackendFactory = (room: string, port: MediaPort) => MediaBackend;
