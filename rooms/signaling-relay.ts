/**
 * Peer-to-peer WebRTC signaling across instances: a publisher on A and its viewers on B meet
 * through the room's `signal:<room>` channel (room-bus.ts). The instance holding the publisher
 * says so; viewers' instances announce their viewers to it; offers, answers, ICE candidates and
 * reports are forwarded to whichever instance holds their addressee. A newly subscribed
 * instance says hello and the others repeat what it missed. With the SFU there is nothing to
 * relay: every instance talks to the same Janus room.
 */
import * as v from 'valibot';
import type { RoomBus } from './room-bus.ts';
import type { Logger } from '../src/logger.ts';
import type { ToPublisher, ToViewer } from '../src/protocol/signaling.ts';

const Frame = v.looseObject({ type: v.string() });

const SignalBusMessage = v.variant('kind', [
  v.object({ kind: v.literal('publisher'), session: v.nullable(v.string()) }),
  v.object({ kind: v.literal('viewer.joined'), viewer_id: v.string() }),
  v.object({ kind: v.literal('viewer.left'), viewer_id: v.string() }),
  v.object({ kind: v.literal('to.publisher'), message: Frame }),
  v.object({ kind: v.literal('to.viewer'), to: v.optional(v.string()), message: Frame }),
  v.object({ kind: v.literal('hello') }),
]);
type SignalBusMessage = v.InferOutput<typeof SignalBusMessage>;

/** What the relay needs of the signaling room holding the local sockets. */
export interface RelayHost {
  /** The local publisher's session id, or null. */
  localPublisher(): string | null;
  localViewers(): Iterable<string>;
  /** A remote publisher came or went: tell the local viewers (room.state). */
  remotePublisherChanged(): void;
  toLocalPublisher(message: ToPublisher): void;
  /** `to` undefined: every local viewer. */
  toLocalViewers(to: string | undefined, message: ToViewer): void;
}

export class SignalingRelay {
  /** The publisher's session when it is on another instance. */
  remotePublisher: string | null = null;
  /** Viewers on other instances, for the local publisher. */
  readonly remoteViewers = new Set<string>();
  private leave: (() => Promise<void>) | null = null;
  private disposed = false;
  private readonly channel: string;

  constructor(
    room: string,
    private readonly bus: RoomBus,
    private readonly host: RelayHost,
    private readonly log: Logger,
  ) {
    this.channel = `signal:${room}`;
    bus.join(this.channel, SignalBusMessage, (message) => this.receive(message)).then(
      (leave) => {
        if (this.disposed) return void leave();
        this.leave = leave;
        this.bus.send(this.channel, { kind: 'hello' } satisfies SignalBusMessage);
      },
      (error) => this.log.warn('webrtc signaling relay not subscribed; viewers on other instances will not meet this publisher', { room, error: String(error) }),
    );
  }

  publisherChanged(session: string | null): void {
    this.post({ kind: 'publisher', session });
  }

  viewerJoined(viewerId: string): void {
    this.post({ kind: 'viewer.joined', viewer_id: viewerId });
  }

  viewerLeft(viewerId: string): void {
    this.post({ kind: 'viewer.left', viewer_id: viewerId });
  }

  toPublisher(message: ToPublisher): void {
    this.post({ kind: 'to.publisher', message });
  }

  toViewer(to: string | undefined, message: ToViewer): void {
    this.post({ kind: 'to.viewer', ...(to !== undefined ? { to } : {}), message });
  }

  dispose(): void {
    this.disposed = true;
    this.leave?.().catch(() => {});
    this.leave = null;
  }

  private post(message: SignalBusMessage): void {
    this.bus.send(this.channel, message);
  }

  private receive(message: SignalBusMessage): void {
    switch (message.kind) {
      case 'publisher':
        if (this.remotePublisher === message.session) return;
        this.remotePublisher = message.session;
        this.host.remotePublisherChanged();
        return;
      case 'viewer.joined':
        this.remoteViewers.add(message.viewer_id);
        this.host.toLocalPublisher({ type: 'viewer.joined', viewer_id: message.viewer_id });
        return;
      case 'viewer.left':
        if (this.remoteViewers.delete(message.viewer_id)) this.host.toLocalPublisher({ type: 'viewer.left', viewer_id: message.viewer_id });
        return;
      case 'to.publisher':
        this.host.toLocalPublisher(message.message as ToPublisher);
        return;
      case 'to.viewer':
        this.host.toLocalViewers(message.to, message.message as ToViewer);
        return;
      case 'hello': {
        const session = this.host.localPublisher();
        if (session) this.publisherChanged(session);
        for (const viewer of this.host.localViewers()) this.viewerJoined(viewer);
      }
    }
  }
}
