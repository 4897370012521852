/**
 * One signaling room's media through Janus (a MediaBackend). The publisher page keeps one
 * peer connection, to Janus, addressed as the peer `sfu`: its `offer` becomes a VideoRoom
 * `join ptype=publisher` + `publish` and it gets Janus's `answer`. Each viewer gets its own
 * subscriber handle: Janus's `offer` goes to the viewer, whose `answer` becomes `start`.
 * ICE trickles both ways; Janus's candidates are held until the browser has the description
 * they belong to (relay-only fails otherwise). Every step of one leg runs in order.
 *
 * When the Janus session is lost, every handle is gone: the publisher is asked for a fresh
 * connection (`viewer.request-restart` with `fresh`, from `sfu`) once Janus is back, and
 * viewers get a new publisher_session, then new offers once the publisher is up again.
 */
import type { Connection } from '../../../rooms/connection.ts';
import type { MediaBackend, MediaPort, PublisherMediaMessage, ViewerMediaMessage } from '../../../rooms/media-backend.ts';
import type { IceCandidate, SignalingErrorCode } from '../../protocol/signaling.ts';
import type { Logger } from '../../logger.ts';
import { JanusUnavailable, type JanusClient } from './janus-client.ts';
import type { JanusEvent, JanusHandle } from './janus-handle.ts';
import type { JanusParticipant, JanusRooms } from './janus-rooms.ts';
import { preferredVideoCodec } from './sdp-codec.ts';

/** The publisher page's one peer: answers and candidates from the SFU carry `from: "sfu"`. */
export const SFU_PEER = 'sfu';
/** A key-frame request costs the publisher a burst of bits; at most one per room this often. */
const KEYFRAME_MIN_GAP_MS = 1000;
const PARTICIPANTS_EVERY_MS = 5000;

export interface JanusMediaDeps {
  client: JanusClient;
  rooms: JanusRooms;
  log: Logger;
}

interface Leg {
  connId: string;
  handle: JanusHandle | null;
  chain: Promise<void>;
  /** Janus's candidates wait until the browser got the description they belong to. */
  described: boolean;
  heldCandidates: IceCandidate[];
  state: 'idle' | 'negotiating' | 'described' | 'webrtcup' | 'hangup';
  media: { audio?: boolean; video?: boolean };
  slowlinks: number;
}

interface PublisherLeg extends Leg {
  feed: string | number | null;
  live: boolean;
  lastKeyframeAt: number;
}

const newLeg = (connId: string): Leg => ({ connId, handle: null, chain: Promise.resolve(), described: false, heldCandidates: [], state: 'idle', media: {}, slowlinks: 0 });

export class JanusRoomMedia implements MediaBackend {
  readonly kind = 'sfu' as const;
  private publisher: PublisherLeg | null = null;
  private readonly viewers = new Map<string, Leg>();
  private renewals = 0;
  private participants: { at: number; list: JanusParticipant[] } | null = null;
  private participantsTimer: ReturnType<typeof setInterval> | undefined;
  private readonly unsubscribe: (() => void)[];
  private disposed = false;

  constructor(
    private readonly room: string,
    private readonly port: MediaPort,
    private readonly deps: JanusMediaDeps,
  ) {
    this.unsubscribe = [deps.client.onLost(() => this.sessionLost()), deps.client.onReady(() => this.sessionBack())];
  }

  get epoch(): string {
    return `:sfu${this.deps.client.generation}.${this.renewals}`;
  }

  publisherJoined(conn: Connection): void {
    if (this.publisher) this.dropPublisher();
    this.publisher = { ...newLeg(conn.id), feed: null, live: false, lastKeyframeAt: 0 };
    if (!this.deps.client.ready) this.unavailable('publisher', conn.id);
    this.startParticipantsPoll();
  }

  publisherLeft(conn: Connection): void {
    if (this.publisher?.connId === conn.id) this.dropPublisher();
  }

  viewerJoined(conn: Connection): void {
    const leg = newLeg(conn.id);
    this.viewers.set(conn.id, leg);
    if (!this.deps.client.ready) return this.unavailable('viewer', conn.id);
    if (this.publisher?.live) this.subscribe(leg);
  }

  viewerLeft(conn: Connection): void {
    const leg = this.viewers.get(conn.id);
    if (!leg) return;
    this.viewers.delete(conn.id);
    void this.release(leg);
  }

  fromPublisher(conn: Connection, message: PublisherMediaMessage): void {
    const leg = this.publisher;
    if (!leg || leg.connId !== conn.id) return;
    if (message.type === 'offer') {
      if (!this.deps.client.ready) return this.unavailable('publisher', conn.id);
      const sdp = message.sdp;
      this.step(leg, 'publisher', () => (leg.handle ? this.renegotiatePublisher(leg, sdp) : this.publish(leg, sdp)));
      return;
    }
    const candidate = message.candidate;
    this.step(leg, 'publisher', async () => {
      if (leg.handle) await leg.handle.trickle(candidate);
    });
  }

  fromViewer(conn: Connection, message: ViewerMediaMessage): void {
    const leg = this.viewers.get(conn.id);
    if (!leg) return;
    switch (message.type) {
      case 'answer': {
        const sdp = message.sdp;
        this.step(leg, 'viewer', async () => {
          if (!leg.handle) return;
          await leg.handle.message({ request: 'start' }, { type: 'answer', sdp });
        });
        return;
      }
      case 'ice-candidate': {
        const candidate = message.candidate;
        this.step(leg, 'viewer', async () => {
          if (leg.handle) await leg.handle.trickle(candidate);
        });
        return;
      }
      case 'viewer.request-keyframe':
        this.requestKeyframe();
        return;
      case 'viewer.request-restart':
        if (!this.deps.client.ready) return this.unavailable('viewer', conn.id);
        if (!this.publisher?.live) return;
        if (message.fresh || !leg.handle) {
          this.step(leg, 'viewer', () => this.release(leg));
          this.subscribe(leg);
        } else {
          this.step(leg, 'viewer', () => this.restartSubscriber(leg));
        }
        return;
    }
  }

  snapshot(): Record<string, unknown> {
    const publisher = this.publisher;
    return {
      kind: 'sfu',
      janus_connected: this.deps.client.ready,
      janus_error: this.deps.client.ready ? null : this.deps.client.lastError,
      publisher: publisher ? { state: publisher.state, live: publisher.live, feed: publisher.feed, media: publisher.media, slowlinks: publisher.slowlinks } : null,
      // From Janus's listparticipants, refreshed every few seconds while a publisher is here.
      participants: this.participants?.list ?? null,
      participants_at: this.participants?.at ?? null,
    };
  }

  viewerSnapshot(viewerId: string): Record<string, unknown> | null {
    const leg = this.viewers.get(viewerId);
    if (!leg) return null;
    return { state: leg.state, subscribed: leg.handle !== null, media: leg.media, slowlinks: leg.slowlinks };
  }

  dispose(): void {
    this.disposed = true;
    for (const off of this.unsubscribe) off();
    clearInterval(this.participantsTimer);
    for (const leg of this.viewers.values()) void this.release(leg);
    this.viewers.clear();
    if (this.publisher) void this.release(this.publisher);
    this.publisher = null;
    void this.deps.rooms.destroy(this.room);
  }

  /** Room tokens rotated: end this Janus room (made again on the next offer). */
  async reset(): Promise<void> {
    // Janus is fine: no sfu_unavailable; the handles are detached, not leaked in its session.
    const handles = this.forgetLegs();
    await this.deps.rooms.destroy(this.room);
    await Promise.allSettled(handles.map((handle) => handle.detach()));
    this.sessionBack();
  }

  private async publish(leg: PublisherLeg, sdp: string): Promise<void> {
    leg.state = 'negotiating';
    await this.deps.rooms.ensure(this.room);
    const handle = await this.deps.client.attach('publisher');
    if (this.publisher !== leg) return void handle.detach();
    leg.handle = handle;
    handle.onEvent((event) => this.onPublisherEvent(leg, handle, event));
    const joined = await handle.message({ request: 'join', ptype: 'publisher', display: 'publisher', ...(await this.deps.rooms.joinFields(this.room)) });
    leg.feed = (joined.data.id as string | number | undefined) ?? null;
    const codec = preferredVideoCodec(sdp);
    const reply = await handle.message({ request: 'publish', audio: true, video: true, ...(codec === 'h264' ? { videocodec: 'h264' } : {}) }, { type: 'offer', sdp });
    this.describe(leg, 'publisher', reply.jsep?.sdp);
  }

  /** The publisher's ICE restart on its one connection: Janus answers on the same handle. */
  private async renegotiatePublisher(leg: PublisherLeg, sdp: string): Promise<void> {
    const reply = await leg.handle!.message({ request: 'configure', audio: true, video: true }, { type: 'offer', sdp });
    leg.described = false;
    this.describe(leg, 'publisher', reply.jsep?.sdp);
  }

  private subscribe(leg: Leg): void {
    this.step(leg, 'viewer', async () => {
      const feed = this.publisher?.feed;
      if (!this.publisher?.live || feed === null || feed === undefined || leg.handle) return;
      leg.state = 'negotiating';
      leg.described = false;
      const handle = await this.deps.client.attach('subscriber');
      if (this.viewers.get(leg.connId) !== leg) return void handle.detach();
      leg.handle = handle;
      handle.onEvent((event) => this.onViewerEvent(leg, handle, event));
      const reply = await handle.message({ request: 'join', ptype: 'subscriber', ...(await this.deps.rooms.joinFields(this.room)), streams: [{ feed }] });
      this.describe(leg, 'viewer', reply.jsep?.sdp);
    });
  }

  private async restartSubscriber(leg: Leg): Promise<void> {
    if (!leg.handle) return;
    try {
      const reply = await leg.handle.message({ request: 'configure', restart: true });
      leg.described = false;
      this.describe(leg, 'viewer', reply.jsep?.sdp);
    } catch {
      // A handle that cannot restart (its feed is gone) is replaced by a fresh subscription.
      await this.release(leg);
      this.subscribe(leg);
    }
  }

  /** Hand Janus's SDP to the browser, then the candidates Janus trickled before it. */
  private describe(leg: Leg, role: 'publisher' | 'viewer', sdp: string | undefined): void {
    if (!sdp) throw new Error('Janus answered without a session description');
    if (role === 'publisher') this.port.toPublisher({ type: 'answer', from: SFU_PEER, sdp });
    else this.port.toViewer(leg.connId, { type: 'offer', sdp });
    leg.described = true;
    if (leg.state === 'negotiating') leg.state = 'described';
    const held = leg.heldCandidates.splice(0);
    for (const candidate of held) this.sendCandidate(leg, role, candidate);
  }

  private sendCandidate(leg: Leg, role: 'publisher' | 'viewer', candidate: IceCandidate): void {
    if (role === 'publisher') this.port.toPublisher({ type: 'ice-candidate', from: SFU_PEER, candidate });
    else this.port.toViewer(leg.connId, { type: 'ice-candidate', candidate });
  }

  private onCommonEvent(leg: Leg, role: 'publisher' | 'viewer', event: JanusEvent): void {
    switch (event.janus) {
      case 'trickle': {
        const c = event.candidate;
        if (!c || c.completed || !c.candidate) return;
        const candidate: IceCandidate = { candidate: c.candidate, sdpMid: c.sdpMid ?? null, sdpMLineIndex: c.sdpMLineIndex ?? null };
        if (leg.described) this.sendCandidate(leg, role, candidate);
        else leg.heldCandidates.push(candidate);
        return;
      }
      case 'media':
        if (event.type === 'audio' || event.type === 'video') leg.media[event.type] = event.receiving === true;
        return;
      case 'slowlink':
        leg.slowlinks++;
        return;
    }
  }

  private onPublisherEvent(leg: PublisherLeg, handle: JanusHandle, event: JanusEvent): void {
    if (this.publisher !== leg || leg.handle !== handle) return;
    this.onCommonEvent(leg, 'publisher', event);
    if (event.janus === 'webrtcup') {
      leg.state = 'webrtcup';
      leg.live = true;
      this.deps.log.info('sfu publisher up', { room: this.room, viewers: this.viewers.size });
      // Subscribing before the publisher is up gets "428 No such feed".
      for (const viewer of this.viewers.values()) this.subscribe(viewer);
      return;
    }
    if (event.janus === 'hangup' || event.janus === 'detached') {
      // The publisher's connection to Janus died: viewers' subscriptions die with the feed.
      leg.state = 'hangup';
      leg.live = false;
      leg.handle = null;
      leg.described = false;
      void handle.detach();
      this.releaseViewers();
      if (event.janus === 'hangup' && this.deps.client.ready) this.port.toPublisher({ type: 'viewer.request-restart', from: SFU_PEER, fresh: true });
    }
  }

  private onViewerEvent(leg: Leg, handle: JanusHandle, event: JanusEvent): void {
    if (this.viewers.get(leg.connId) !== leg || leg.handle !== handle) return;
    this.onCommonEvent(leg, 'viewer', event);
    if (event.janus === 'webrtcup') leg.state = 'webrtcup';
    if (event.janus === 'hangup') leg.state = 'hangup';
  }

  private requestKeyframe(): void {
    const leg = this.publisher;
    const now = Date.now();
    if (!leg?.handle || !leg.live || now - leg.lastKeyframeAt < KEYFRAME_MIN_GAP_MS) return;
    leg.lastKeyframeAt = now;
    leg.handle.message({ request: 'configure', keyframe: true }).catch((error: unknown) => this.deps.log.warn('sfu key-frame request failed', { room: this.room, error: String(error) }));
  }

  /** Run one step of a leg after the previous one; a failure is told to that socket. */
  private step(leg: Leg, role: 'publisher' | 'viewer', work: () => Promise<void>): void {
    leg.chain = leg.chain.then(work).catch((error: unknown) => {
      if (this.disposed) return;
      if (error instanceof JanusUnavailable) return this.unavailable(role, leg.connId);
      this.deps.log.warn('sfu step failed', { room: this.room, role, error: String(error) });
      this.tell(role, leg.connId, 'sfu_error', `the media server refused: ${error instanceof Error ? error.message : String(error)}`);
    });
  }

  private unavailable(role: 'publisher' | 'viewer', connId: string): void {
    const reason = this.deps.client.lastError ? ` (${this.deps.client.lastError})` : '';
    this.tell(role, connId, 'sfu_unavailable', `the media server is not reachable${reason}; video resumes by itself when it is back`);
  }

  private tell(role: 'publisher' | 'viewer', connId: string, code: SignalingErrorCode, message: string): void {
    if (role === 'publisher') {
      if (this.publisher?.connId === connId) this.port.toPublisher({ type: 'error', code, message });
    } else if (this.viewers.has(connId)) {
      this.port.toViewer(connId, { type: 'error', code, message });
    }
  }

  private async release(leg: Leg): Promise<void> {
    const handle = leg.handle;
    leg.handle = null;
    leg.described = false;
    leg.heldCandidates = [];
    leg.state = 'idle';
    leg.media = {};
    if (handle) await handle.detach();
  }

  private releaseViewers(): void {
    for (const viewer of this.viewers.values()) this.step(viewer, 'viewer', () => this.release(viewer));
    this.renewals++;
    this.port.renewViewers();
  }

  private dropPublisher(): void {
    const leg = this.publisher!;
    this.publisher = null;
    void this.release(leg);
    for (const viewer of this.viewers.values()) this.step(viewer, 'viewer', () => this.release(viewer));
    clearInterval(this.participantsTimer);
    this.participantsTimer = undefined;
    this.participants = null;
  }

  private sessionLost(): void {
    // Every handle died with the session; nothing to detach.
    this.forgetLegs();
    if (this.publisher) this.unavailable('publisher', this.publisher.connId);
    for (const id of this.viewers.keys()) this.unavailable('viewer', id);
  }

  /** Every leg back to idle and the publisher not live; returns the handles it held. */
  private forgetLegs(): JanusHandle[] {
    const handles: JanusHandle[] = [];
    for (const leg of [...this.viewers.values(), ...(this.publisher ? [this.publisher] : [])]) {
      if (leg.handle) handles.push(leg.handle);
      leg.handle = null;
      leg.described = false;
      leg.heldCandidates = [];
      leg.state = 'idle';
      leg.media = {};
    }
    if (this.publisher) this.publisher.live = false;
    return handles;
  }

  private sessionBack(): void {
    if (this.disposed) return;
    this.renewals++;
    this.port.renewViewers();
    // The publisher's connection went with the old session: it makes a new one and offers.
    if (this.publisher) this.port.toPublisher({ type: 'viewer.request-restart', from: SFU_PEER, fresh: true });
  }

  private startParticipantsPoll(): void {
    if (this.participantsTimer) return;
    const poll = () => {
      if (!this.publisher?.live || !this.deps.client.ready) return;
      this.deps.rooms.participants(this.room).then(
        (list) => (this.participants = { at: Date.now(), list }),
        () => undefined,
      );
    };
    this.participantsTimer = setInterval(poll, PARTICIPANTS_EVERY_MS);
    (this.participantsTimer as unknown as { unref?: () => void }).unref?.();
  }
}
