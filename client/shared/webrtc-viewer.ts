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

export interface WebrtcViewer {
  readonly status: ViewerStatus;
  setToken(token: string): void;
  /** Ask the publisher for a key frame now (e.g. the source just became visible in OBS). */
  requestKeyframe(): void;
  stop(): void;
  /** A snapshot for tests and the console. */
  info(): ViewerInfo;
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
/** How long each rung of the ladder gets before the next one. */
const RUNG_MS = 5000;
/** Packets arrive but no frame decodes for this long: ask for a key frame. */
const STALL_MS = 3000;
const REPORT_MS = 5000;

/** Every live viewer on the page, for tests and debugging. */
export const liveViewers = new Set<WebrtcViewer>();

export function startViewer(opts: ViewerOptions): WebrtcViewer {
  const { video, room } = opts;
  let status: ViewerStatus = 'connecting';
  let stopped = false;
  let ice: IceServers = [];
  let iceReady: Promise<void> = Promise.resolve();
  let relay = !!opts.relayOnly;
  let pc: RTCPeerConnection | null = null;
  let chain: Promise<void> = Promise.resolve();
  /** Candidates that came before the offer they belong to (an SFU trickles early): applied after it. */
  let early: RTCIceCandidateInit[] = [];
  let socket: SignalingSocket<ViewerMessage> | null = null;
  let viewerId: string | null = null;
  let publisherOnline = false;
  /** undefined until the first room.state of a socket: then any session counts as new. */
  let session: string | null | undefined;
  let unhealthySince = 0;
  let step = 0;
  let rejoins = 0;
  let keyframeRequests = 0;
  let reading: RtcReading | null = null;
  let sample: RtcSample | undefined;
  let lastProgressAt = 0;
  let lastKeyframeAt = 0;
  let lastReportAt = 0;
  let reportedState = '';
  let tickBusy = false;

  const setStatus = (next: ViewerStatus) => {
    if (next === status) return;
    status = next;
    opts.onStatus?.(next);
  };

  const send = (message: ViewerMessage) => socket?.send(message) ?? false;

  const loadIce = () => {
    iceReady = fetchIceServers(keeper.token).then((servers) => {
      ice = servers;
      // Fresh TURN credentials apply to the next ICE restart; the running path is unaffected.
      pc?.setConfiguration({ iceServers: ice, iceTransportPolicy: relay ? 'relay' : 'all' });
    });
  };

  const keeper = keepTokenFresh({
    token: opts.token ?? '',
    room,
    fallback: opts.viewToken,
    onToken() {
      if (status === 'token-dead') setStatus('connecting');
      loadIce();
      if (!socket) open();
    },
    onDead: () => setStatus('token-dead'),
  });

  const open = () => {
    if (stopped || !keeper.token) return;
    socket = signalingSocket<ToViewer, ViewerMessage>({
      url: () => signalingUrl(room, 'viewer', keeper.token),
      onOpen() {
        // A new socket is a new viewer id: the publisher makes a new connection for it.
        closePc();
        session = undefined;
      },
      onMessage: handle,
    });
  };

  const closePc = () => {
    if (!pc) return;
    const old = pc;
    pc = null;
    old.ontrack = old.onicecandidate = old.onconnectionstatechange = null;
    old.close();
    early = [];
    sample = undefined;
    reading = null;
  };

  const createPc = () => {
    const conn = new RTCPeerConnection({ iceServers: ice, iceTransportPolicy: relay ? 'relay' : 'all' });
    conn.ontrack = (event) => {
      const stream = event.streams[0] ?? new MediaStream([event.track]);
      if (video.srcObject !== stream) video.srcObject = stream;
      void video.play().catch(() => {
        // The host's autoplay helper retries; a refusal here is not fatal.
      });
    };
    conn.onicecandidate = (event) => {
      if (event.candidate) send({ type: 'ice-candidate', candidate: candidateToWire(event.candidate) });
    };
    conn.onconnectionstatechange = () => {
      if (conn !== pc) return;
      if (conn.connectionState === 'connected') {
        step = 0;
        unhealthySince = 0;
        lastProgressAt = Date.now();
      }
      report(true);
    };
    return conn;
  };

  /** SDP and candidates are applied strictly in arrival order, one at a time. */
  const queue = (work: () => Promise<void>) => {
    chain = chain.then(work).catch((error: unknown) => {
      console.warn('webrtc viewer:', error);
      // A broken negotiation: start over with a fresh connection on the next ladder tick.
      closePc();
    });
  };

  function handle(message: ToViewer) {
    switch (message.type) {
      case 'room.state':
        if (message.viewer_id) viewerId = message.viewer_id;
        publisherOnline = message.publisher;
        if (message.publisher_session !== session) {
          // Another publisher (or none): its connection is gone; the new one will offer.
          session = message.publisher_session;
          closePc();
          step = 0;
          unhealthySince = Date.now();
        }
        return;
      case 'offer':
        queue(async () => {
          await iceReady;
          const pending = early.splice(0);
          // A different DTLS fingerprint means a new connection on the publisher's side (it
          // replaced a broken one): ours cannot continue it. An ICE restart keeps the fingerprint.
          const current = pc?.remoteDescription?.sdp;
          if (current && fingerprint(current) !== fingerprint(message.sdp)) closePc();
          pc ??= createPc();
          const conn = pc;
          await conn.setRemoteDescription({ type: 'offer', sdp: message.sdp });
          for (const candidate of pending) await conn.addIceCandidate(candidate).catch(() => undefined);
          await conn.setLocalDescription();
          if (conn === pc && conn.localDescription) send({ type: 'answer', sdp: conn.localDescription.sdp });
        });
        return;
      case 'ice-candidate': {
        const candidate = message.candidate;
        if (!candidate?.candidate) return;
        queue(async () => {
          if (pc?.remoteDescription) await pc.addIceCandidate(candidate).catch(() => undefined);
          // Before any offer: keep it for the next one (bounded; a stale one fails harmlessly).
          else if (early.length < 64) early.push(candidate);
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

  /** Once a second: health, the ladder, stalls and the periodic report. */
  async function tick() {
    if (stopped || tickBusy) return;
    tickBusy = true;
    try {
      const now = Date.now();
      const conn = pc;
      // Media flows peer to peer: it may play on while the signaling socket reconnects.
      if (conn && conn.connectionState === 'connected') {
        setStatus('playing');
        await watchFrames(conn, now);
        return;
      }
      if (!socket?.connected || !publisherOnline) {
        unhealthySince = 0;
        step = 0;
        setStatus(status === 'token-dead' ? status : socket?.connected ? 'waiting' : 'connecting');
        return;
      }
      setStatus(step > 0 ? 'recovering' : 'connecting');
      if (!unhealthySince) unhealthySince = now;
      // `failed` will not heal by waiting: climb at once, but give each later rung its time.
      const wait = conn?.connectionState === 'failed' && step === 0 ? 0 : RUNG_MS;
      if (now - unhealthySince < wait) return;
      unhealthySince = now;
      climb();
    } finally {
      tickBusy = false;
    }
  }

  function climb() {
    step++;
    if (!pc) {
      // No connection at all (an offer got lost): ask for a new one; re-join if that fails twice.
      if (step >= 3) return rejoin();
      send({ type: 'viewer.request-restart', fresh: true });
      return;
    }
    if (step === 1) {
      send({ type: 'viewer.request-restart' });
      return;
    }
    if (step === 2 && !relay && hasTurn(ice)) {
      relay = true;
      pc.setConfiguration({ iceServers: ice, iceTransportPolicy: 'relay' });
      send({ type: 'viewer.request-restart' });
      return;
    }
    rejoin();
  }

  /** The last rung: a new socket (a new viewer id), a new connection, fresh ICE servers. */
  function rejoin() {
    rejoins++;
    step = 0;
    unhealthySince = Date.now();
    relay = !!opts.relayOnly;
    socket?.close();
    socket = null;
    closePc();
    loadIce();
    open();
  }

  async function watchFrames(conn: RTCPeerConnection, now: number) {
    const next = await readStats(conn, 'inbound', sample);
    if (conn !== pc) return;
    const before = sample;
    sample = next.sample;
    reading = next;
    if (!before || next.sample.frames > before.frames) lastProgressAt = now;
    const packetsFlow = before !== undefined && next.sample.bytes > before.bytes;
    // A static screen sends few packets and few frames; only packets without frames is a stall.
    if (packetsFlow && now - lastProgressAt > STALL_MS && now - lastKeyframeAt > STALL_MS) requestKeyframe();
    report(false);
  }

  /** viewer.state for room stats: on every state change and every few seconds. */
  function report(force: boolean) {
    const state = pc?.connectionState ?? 'new';
    const now = Date.now();
    if (!force && state === reportedState && now - lastReportAt < REPORT_MS) return;
    reportedState = state;
    lastReportAt = now;
    const metrics: PeerMetrics = { ...(reading?.metrics ?? {}), state };
    send({ type: 'viewer.state', ...metrics });
  }

  const requestKeyframe = () => {
    if (pc?.connectionState !== 'connected') return;
    lastKeyframeAt = Date.now();
    keyframeRequests++;
    send({ type: 'viewer.request-keyframe' });
  };
  // OBS makes a browser source visible when its scene goes live: start it on a fresh picture.
  const onVisible = () => document.visibilityState === 'visible' && requestKeyframe();

  loadIce();
  open();
  const timer = setInterval(() => void tick(), TICK_MS);
  document.addEventListener('visibilitychange', onVisible);

  const viewer: WebrtcViewer = {
    get status() {
      return status;
    },
    setToken: (token) => keeper.set(token),
    requestKeyframe,
    stop() {
      stopped = true;
      clearInterval(timer);
      document.removeEventListener('visibilitychange', onVisible);
      keeper.stop();
      socket?.close();
      closePc();
      liveViewers.delete(viewer);
      setStatus('stopped');
    },
    info: () => ({
      status,
      viewerId,
      state: pc?.connectionState ?? 'none',
      ladderStep: step,
      relayOnly: relay,
      rejoins,
      keyframeRequests,
      reading,
      token: keeper.token,
    }),
  };
  liveViewers.add(viewer);
  return viewer;
}

const fingerprint = (sdp: string) => /^a=fingerprint:(.+)$/m.exec(sdp)?.[1]?.trim() ?? null;
