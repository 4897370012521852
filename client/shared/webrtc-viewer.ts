/**
 * Plays a WebRTC room's video in a <video> element the host owns, and keeps it playing for
 * days without anyone touching OBS:
 *  - the token is refreshed before it expires (falling back to the overlay's view token);
 *  - a new publisher (reload, another device) is picked up as soon as it offers;
 *  - a broken connection climbs a ladder: on `disconnected` wait ~5 s, then ask for an ICE
 *    restart, then go relay-only (TURN), then re-join the room from scratch; `failed` skips
 *    the wait. Every rung waits ~5 s for the previous one to work;
 *  - frames that stop while packets still arrive get a key-frame request.
 * The element is never replaced: only its srcObject changes, so scene edits and reconnects
 * cannot destroy it. Framework-free, so it can load as its own small bundle.
 */
import type { PeerMetrics, ToViewer, ViewerMessage } from '../../src/protocol/signaling.ts';
import { signalingSocket, type SignalingSocket } from './signaling-socket.ts';
import { keepTokenFresh } from './webrtc-token.ts';
import { candidateToWire, fetchIceServers, hasTurn, signalingUrl, type IceServers } from './webrtc-config.ts';
import { readStats, type RtcReading, type RtcSample } from './rtc-stats.ts';
import { RecoveryLadder } from './recovery-ladder.ts';
import type { TokenKeeper } from './webrtc-token.ts';

export type ViewerStatus = 'waiting' | 'connecting' | 'playing' | 'recovering' | 'token-dead' | 'stopped';

export interface ViewerOptions {
  video: HTMLVideoElement;
  room: string;
  /** A viewer token for `room` (may be empty when `viewToken` can get one). */
  token?: string;
  /** The overlay's view token, when it is for the same room: refreshes never run dry. */
  viewToken?: string;
  /** Only relay candidates (TURN) from the start: hides the OBS machine's address. */
  relayOnly?: boolean;
  onStatus?(status: ViewerStatus): void;
}

export interface ViewerInfo {
  status: ViewerStatus;
  viewerId: string | null;
  state: RTCPeerConnectionState | 'none';
  ladderStep: number;
  relayOnly: boolean;
  rejoins: number;
  keyframeRequests: number;
  reading: RtcReading | null;
  token: string;
}

const TICK_MS = 1000;
/** Packets arrive but no frame decodes for this long: ask for a key frame. */
const STALL_MS = 3000;
const REPORT_MS = 5000;

/** Every live viewer on the page, for tests and debugging. */
export const liveViewers = new Set<WebrtcViewer>();

/** Starts playing at once; `stop()` ends it. */
export function startViewer(opts: ViewerOptions): WebrtcViewer {
  return new WebrtcViewer(opts);
}

export class WebrtcViewer {
  private current: ViewerStatus = 'connecting';
  private stopped = false;
  private ice: IceServers = [];
  private iceReady: Promise<void> = Promise.resolve();
  private relay: boolean;
  private pc: RTCPeerConnection | null = null;
  private chain: Promise<void> = Promise.resolve();
  /** Candidates that came before the offer they belong to (an SFU trickles early): applied after it. */
  private early: RTCIceCandidateInit[] = [];
  private socket: SignalingSocket<ViewerMessage> | null = null;
  private viewerId: string | null = null;
  private publisherOnline = false;
  /** undefined until the first room.state of a socket: then any session counts as new. */
  private session: string | null | undefined;
  private readonly ladder = new RecoveryLadder();
  private rejoins = 0;
  private keyframeRequests = 0;
  private reading: RtcReading | null = null;
  private sample: RtcSample | undefined;
  private lastProgressAt = 0;
  private lastKeyframeAt = 0;
  private lastReportAt = 0;
  private reportedState = '';
  private tickBusy = false;
  private readonly keeper: TokenKeeper;
  private readonly timer: ReturnType<typeof setInterval>;
  // OBS makes a browser source visible when its scene goes live: start it on a fresh picture.
  private readonly onVisible = () => document.visibilityState === 'visible' && this.requestKeyframe();

  constructor(private readonly opts: ViewerOptions) {
    this.relay = !!opts.relayOnly;
    this.keeper = keepTokenFresh({
      token: opts.token ?? '',
      room: opts.room,
      fallback: opts.viewToken,
      onToken: () => {
        if (this.current === 'token-dead') this.setStatus('connecting');
        this.loadIce();
        if (!this.socket) this.open();
      },
      onDead: () => this.setStatus('token-dead'),
    });
    this.loadIce();
    this.open();
    this.timer = setInterval(() => void this.tick(), TICK_MS);
    document.addEventListener('visibilitychange', this.onVisible);
    liveViewers.add(this);
  }

  get status(): ViewerStatus {
    return this.current;
  }

  setToken(token: string): void {
    this.keeper.set(token);
  }

  /** Ask the publisher for a key frame now (e.g. the source just became visible in OBS). */
  requestKeyframe(): void {
    if (this.pc?.connectionState !== 'connected') return;
    this.lastKeyframeAt = Date.now();
    this.keyframeRequests++;
    this.send({ type: 'viewer.request-keyframe' });
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
    document.removeEventListener('visibilitychange', this.onVisible);
    this.keeper.stop();
    this.socket?.close();
    this.closePc();
    liveViewers.delete(this);
    this.setStatus('stopped');
  }

  /** A snapshot for tests and the console. */
  info(): ViewerInfo {
    return {
      status: this.current,
      viewerId: this.viewerId,
      state: this.pc?.connectionState ?? 'none',
      ladderStep: this.ladder.step,
      relayOnly: this.relay,
      rejoins: this.rejoins,
      keyframeRequests: this.keyframeRequests,
      reading: this.reading,
      token: this.keeper.token,
    };
  }

  private setStatus(next: ViewerStatus) {
    if (next === this.current) return;
    this.current = next;
    this.opts.onStatus?.(next);
  }

  private send(message: ViewerMessage): boolean {
    return this.socket?.send(message) ?? false;
  }

  private loadIce() {
    this.iceReady = fetchIceServers(this.keeper.token).then((servers) => {
      this.ice = servers;
      // Fresh TURN credentials apply to the next ICE restart; the running path is unaffected.
      this.pc?.setConfiguration(this.rtcConfig());
    });
  }

  private rtcConfig(): RTCConfiguration {
    return { iceServers: this.ice, iceTransportPolicy: this.relay ? 'relay' : 'all' };
  }

  private open() {
    if (this.stopped || !this.keeper.token) return;
    this.socket = signalingSocket<ToViewer, ViewerMessage>({
      url: () => signalingUrl(this.opts.room, 'viewer', this.keeper.token),
      onOpen: () => {
        // A new socket is a new viewer id: the publisher makes a new connection for it.
        this.closePc();
        this.session = undefined;
      },
      onMessage: (message) => this.handle(message),
    });
  }

  private closePc() {
    if (!this.pc) return;
    const old = this.pc;
    this.pc = null;
    old.ontrack = old.onicecandidate = old.onconnectionstatechange = null;
    old.close();
    this.early = [];
    this.sample = undefined;
    this.reading = null;
  }

  private createPc(): RTCPeerConnection {
    const conn = new RTCPeerConnection(this.rtcConfig());
    const video = this.opts.video;
    conn.ontrack = (event) => {
      const stream = event.streams[0] ?? new MediaStream([event.track]);
      if (video.srcObject !== stream) video.srcObject = stream;
      void video.play().catch(() => {
        // The host's autoplay helper retries; a refusal here is not fatal.
      });
    };
    conn.onicecandidate = (event) => {
      if (event.candidate) this.send({ type: 'ice-candidate', candidate: candidateToWire(event.candidate) });
    };
    conn.onconnectionstatechange = () => {
      if (conn !== this.pc) return;
      if (conn.connectionState === 'connected') {
        this.ladder.reset();
        this.lastProgressAt = Date.now();
      }
      this.report(true);
    };
    return conn;
  }

  /** SDP and candidates are applied strictly in arrival order, one at a time. */
  private queue(work: () => Promise<void>) {
    this.chain = this.chain.then(work).catch((error: unknown) => {
      console.warn('webrtc viewer:', error);
      // A broken negotiation: start over with a fresh connection on the next ladder tick.
      this.closePc();
    });
  }

  private handle(message: ToViewer) {
    switch (message.type) {
      case 'room.state':
        if (message.viewer_id) this.viewerId = message.viewer_id;
        this.publisherOnline = message.publisher;
        if (message.publisher_session !== this.session) {
          // Another publisher (or none): its connection is gone; the new one will offer.
          this.session = message.publisher_session;
          this.closePc();
          this.ladder.restartClock();
        }
        return;
      case 'offer':
        this.queue(() => this.accept(message.sdp));
        return;
      case 'ice-candidate': {
        const candidate = message.candidate;
        if (!candidate?.candidate) return;
        this.queue(async () => {
          if (this.pc?.remoteDescription) await this.pc.addIceCandidate(candidate).catch(() => undefined);
          // Before any offer: keep it for the next one (bounded; a stale one fails harmlessly).
          else if (this.early.length < 64) this.early.push(candidate);
        });
        return;
      }
      case 'error':
        console.warn(`webrtc viewer: ${message.code}: ${message.message}`);
        return;
      default:
        return;
    }
  }

  private async accept(sdp: string) {
    await this.iceReady;
    const pending = this.early.splice(0);
    // A different DTLS fingerprint means a new connection on the publisher's side (it
    // replaced a broken one): ours cannot continue it. An ICE restart keeps the fingerprint.
    const current = this.pc?.remoteDescription?.sdp;
    if (current && fingerprint(current) !== fingerprint(sdp)) this.closePc();
    this.pc ??= this.createPc();
    const conn = this.pc;
    await conn.setRemoteDescription({ type: 'offer', sdp });
    for (const candidate of pending) await conn.addIceCandidate(candidate).catch(() => undefined);
    await conn.setLocalDescription();
    if (conn === this.pc && conn.localDescription) this.send({ type: 'answer', sdp: conn.localDescription.sdp });
  }

  /** Once a second: health, the ladder, stalls and the periodic report. */
  private async tick() {
    if (this.stopped || this.tickBusy) return;
    this.tickBusy = true;
    try {
      const now = Date.now();
      const conn = this.pc;
      // Media flows peer to peer: it may play on while the signaling socket reconnects.
      if (conn && conn.connectionState === 'connected') {
        this.setStatus('playing');
        await this.watchFrames(conn, now);
        return;
      }
      if (!this.socket?.connected || !this.publisherOnline) {
        this.ladder.reset();
        this.setStatus(this.current === 'token-dead' ? this.current : this.socket?.connected ? 'waiting' : 'connecting');
        return;
      }
      this.setStatus(this.ladder.step > 0 ? 'recovering' : 'connecting');
      if (this.ladder.due(now, conn?.connectionState === 'failed')) this.climb();
    } finally {
      this.tickBusy = false;
    }
  }

  /** The ladder's rungs, in order; `ladder.step` is the rung just reached. */
  private climb() {
    const step = this.ladder.step;
    if (!this.pc) {
      // No connection at all (an offer got lost): ask for a new one; re-join if that fails twice.
      if (step >= 3) return this.rejoin();
      this.send({ type: 'viewer.request-restart', fresh: true });
      return;
    }
    if (step === 1) {
      this.send({ type: 'viewer.request-restart' });
      return;
    }
    if (step === 2 && !this.relay && hasTurn(this.ice)) {
      this.relay = true;
      this.pc.setConfiguration(this.rtcConfig());
      this.send({ type: 'viewer.request-restart' });
      return;
    }
    this.rejoin();
  }

  /** The last rung: a new socket (a new viewer id), a new connection, fresh ICE servers. */
  private rejoin() {
    this.rejoins++;
    this.ladder.restartClock();
    this.relay = !!this.opts.relayOnly;
    this.socket?.close();
    this.socket = null;
    this.closePc();
    this.loadIce();
    this.open();
  }

  private async watchFrames(conn: RTCPeerConnection, now: number) {
    const next = await readStats(conn, 'inbound', this.sample);
    if (conn !== this.pc) return;
    const before = this.sample;
    this.sample = next.sample;
    this.reading = next;
    if (!before || next.sample.frames > before.frames) this.lastProgressAt = now;
    const packetsFlow = before !== undefined && next.sample.bytes > before.bytes;
    // A static screen sends few packets and few frames; only packets without frames is a stall.
    if (packetsFlow && now - this.lastProgressAt > STALL_MS && now - this.lastKeyframeAt > STALL_MS) this.requestKeyframe();
    this.report(false);
  }

  /** viewer.state for room stats: on every state change and every few seconds. */
  private report(force: boolean) {
    const state = this.pc?.connectionState ?? 'new';
    const now = Date.now();
    if (!force && state === this.reportedState && now - this.lastReportAt < REPORT_MS) return;
    this.reportedState = state;
    this.lastReportAt = now;
    const metrics: PeerMetrics = { ...(this.reading?.metrics ?? {}), state };
    this.send({ type: 'viewer.state', ...metrics });
  }
}

const fingerprint = (sdp: string) => /^a=fingerprint:(.+)$/m.exec(sdp)?.[1]?.trim() ?? null;
