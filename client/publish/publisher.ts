/**
 * The publishing side of a WebRTC room: one RTCPeerConnection per viewer, all fed from one
 * captured stream; or, when the room says `media: "sfu"`, ONE connection to the server's SFU
 * (the peer `sfu`), which forwards to every viewer. The publisher always makes the offers. Every 2 s it reads
 * each connection's stats and sends them to the room (publisher.metrics), where the panel
 * sees them. The page (main.tsx) owns capture and UI; this owns signaling and connections.
 */
import { CloseCode } from '../../src/protocol/constants.ts';
import type { CandidateType, PeerMetrics, PublisherMessage, ToPublisher } from '../../src/protocol/signaling.ts';
import { signalingSocket, type SignalingSocket } from '../shared/signaling-socket.ts';
import { candidateToWire, fetchIceServers, signalingUrl, type IceServers } from '../shared/webrtc-config.ts';
import { readStats, type RtcSample } from '../shared/rtc-stats.ts';
import type { TokenKeeper } from '../shared/webrtc-token.ts';
import { applyPreset, encodingFor, type Preset } from './presets.ts';

export type PublisherStatus = 'idle' | 'connecting' | 'live' | 'replaced';

export interface PeerView {
  id: string;
  state: RTCPeerConnectionState;
  metrics: PeerMetrics | null;
  local: CandidateType | null;
  remote: CandidateType | null;
  keyFrames: number;
  keyframeRequests: number;
}

interface Peer {
  pc: RTCPeerConnection;
  video: RTCRtpSender;
  audio: RTCRtpSender;
  chain: Promise<void>;
  sample?: RtcSample;
  lastKeyframeAt: number;
  view: PeerView;
}

const METRICS_EVERY_MS = 2000;
/** The one peer when the room's media goes through the SFU. */
export const SFU_PEER = 'sfu';
/** Forcing a key frame restarts the encoder briefly; never more often than this per viewer. */
const KEYFRAME_MIN_GAP_MS = 1000;

export class Publisher {
  status: PublisherStatus = 'idle';
  readonly peers = new Map<string, Peer>();
  private socket: SignalingSocket<PublisherMessage> | null = null;
  private stream: MediaStream | null = null;
  private ice: IceServers = [];
  private metricsTimer: ReturnType<typeof setInterval> | undefined;
  /** The room sends media through the SFU: one connection, whatever the number of viewers. */
  private sfu = false;

  constructor(
    private readonly room: string,
    private readonly keeper: TokenKeeper,
    private preset: Preset,
    private readonly onChange: () => void,
  ) {}

  async start(stream: MediaStream): Promise<void> {
    this.stream = stream;
    if (this.socket) return;
    this.setStatus('connecting');
    const ice = await fetchIceServers(this.keeper.token);
    // Stopped (or started again) while the ICE servers were on their way.
    if (this.stream !== stream || this.socket) return;
    this.ice = ice;
    this.socket = signalingSocket<ToPublisher, PublisherMessage>({
      url: () => signalingUrl(this.room, 'publisher', this.keeper.token),
      // The room forgot us while we were away; viewers will be listed again in room.state.
      onOpen: () => this.closePeers(),
      onClose: (code) => {
        // A terminal code: the socket will not reconnect, so neither do we (and no fight).
        if (code === CloseCode.publisherReplaced) return this.stop('replaced');
        this.closePeers();
        if (this.status === 'live') this.setStatus('connecting');
      },
      onMessage: (message) => this.handle(message),
    });
    this.metricsTimer = setInterval(() => void this.collectMetrics(), METRICS_EVERY_MS);
  }

  stop(status: PublisherStatus = 'idle'): void {
    clearInterval(this.metricsTimer);
    this.socket?.close();
    this.socket = null;
    this.closePeers();
    this.stream = null;
    this.setStatus(status);
  }

  /** Switch camera ↔ screen (or devices) live: replaceTrack needs no renegotiation. */
  async setStream(stream: MediaStream): Promise<void> {
    this.stream = stream;
    const video = stream.getVideoTracks()[0] ?? null;
    const audio = stream.getAudioTracks()[0] ?? null;
    await Promise.all(
      [...this.peers.values()].map(async (peer) => {
        await peer.video.replaceTrack(video);
        await peer.audio.replaceTrack(audio);
        await applyPreset(peer.video, this.preset).catch(() => undefined);
      }),
    );
  }

  async setPreset(preset: Preset): Promise<void> {
    this.preset = preset;
    await Promise.all([...this.peers.values()].map((peer) => applyPreset(peer.video, preset).catch(() => undefined)));
  }

  private setStatus(status: PublisherStatus) {
    this.status = status;
    this.onChange();
  }

  private send(message: PublisherMessage) {
    this.socket?.send(message);
  }

  private handle(message: ToPublisher) {
    switch (message.type) {
      case 'room.state':
        this.setStatus('live');
        this.sfu = message.media === 'sfu';
        if (this.sfu) this.addPeer(SFU_PEER);
        else for (const id of message.viewers ?? []) this.addPeer(id);
        return;
      case 'viewer.joined':
        if (!this.sfu) this.addPeer(message.viewer_id);
        return;
      case 'viewer.left':
        if (!this.sfu) this.removePeer(message.viewer_id);
        return;
      case 'answer': {
        const peer = this.peers.get(message.from);
        if (peer) this.queue(peer, () => peer.pc.setRemoteDescription({ type: 'answer', sdp: message.sdp }));
        return;
      }
      case 'ice-candidate': {
        const peer = this.peers.get(message.from);
        const candidate = message.candidate;
        if (peer && candidate?.candidate) {
          this.queue(peer, async () => {
            if (peer.pc.remoteDescription) await peer.pc.addIceCandidate(candidate).catch(() => undefined);
          });
        }
        return;
      }
      case 'viewer.request-keyframe': {
        const peer = this.peers.get(message.from);
        if (peer) void this.keyframe(peer);
        return;
      }
      case 'viewer.request-restart': {
        const peer = this.peers.get(message.from);
        // `fresh`: the viewer has no connection any more, so an ICE restart has nothing to restart;
        // a closed or failed connection of ours cannot restart either.
        if (!peer || message.fresh || peer.pc.connectionState === 'closed' || peer.pc.connectionState === 'failed') {
          this.removePeer(message.from);
          this.addPeer(message.from);
        } else {
          peer.pc.restartIce();
        }
        return;
      }
      case 'publisher.replaced':
        // Another tab or device publishes now; reconnecting would only take it back and forth.
        this.stop('replaced');
        return;
      case 'error':
        console.warn(`publisher: ${message.code}: ${message.message}`);
        return;
      default:
        return;
    }
  }

  private addPeer(id: string) {
    if (this.peers.has(id) || !this.stream) return;
    const stream = this.stream;
    const videoTrack = stream.getVideoTracks()[0] ?? null;
    const audioTrack = stream.getAudioTracks()[0] ?? null;
    const pc = new RTCPeerConnection({ iceServers: this.ice });
    // Both kinds always get a transceiver, so a later source without audio (or with) is a replaceTrack.
    const video = pc.addTransceiver(videoTrack ?? 'video', { direction: 'sendonly', streams: [stream], sendEncodings: [encodingFor(this.preset, videoTrack)] }).sender;
    const audio = pc.addTransceiver(audioTrack ?? 'audio', { direction: 'sendonly', streams: [stream] }).sender;
    const peer: Peer = {
      pc,
      video,
      audio,
      chain: Promise.resolve(),
      lastKeyframeAt: 0,
      view: { id, state: 'new', metrics: null, local: null, remote: null, keyFrames: 0, keyframeRequests: 0 },
    };
    this.peers.set(id, peer);
    pc.onnegotiationneeded = () =>
      this.queue(peer, async () => {
        await pc.setLocalDescription();
        if (pc.localDescription) this.send({ type: 'offer', to: id, sdp: pc.localDescription.sdp });
      });
    pc.onicecandidate = (event) => {
      if (event.candidate) this.send({ type: 'ice-candidate', to: id, candidate: candidateToWire(event.candidate) });
    };
    pc.onconnectionstatechange = () => {
      peer.view.state = pc.connectionState;
      this.onChange();
    };
    this.onChange();
  }

  private removePeer(id: string) {
    const peer = this.peers.get(id);
    if (!peer) return;
    this.peers.delete(id);
    peer.pc.onnegotiationneeded = peer.pc.onicecandidate = peer.pc.onconnectionstatechange = null;
    peer.pc.close();
    this.onChange();
  }

  private closePeers() {
    for (const id of [...this.peers.keys()]) this.removePeer(id);
  }

  /** Per viewer, SDP steps run one at a time in arrival order; a failed step does not block the next. */
  private queue(peer: Peer, work: () => Promise<unknown>) {
    peer.chain = peer.chain.then(work).then(
      () => undefined,
      (error: unknown) => console.warn(`publisher: viewer ${peer.view.id}:`, error),
    );
  }

  /**
   * Chromium has no "send a key frame now" for a plain sender; pausing and resuming the
   * encoding restarts the encoder, whose first frame is a key frame. Costs ~1 frame.
   */
  private async keyframe(peer: Peer) {
    const now = Date.now();
    peer.view.keyframeRequests++;
    if (now - peer.lastKeyframeAt < KEYFRAME_MIN_GAP_MS) return;
    peer.lastKeyframeAt = now;
    try {
      for (const active of [false, true]) {
        const params = peer.video.getParameters();
        if (!params.encodings?.length) return;
        for (const encoding of params.encodings) encoding.active = active;
        await peer.video.setParameters(params);
      }
    } catch (error) {
      console.warn('publisher: key frame request failed', error);
    }
  }

  private async collectMetrics() {
    if (!this.socket?.connected || this.peers.size === 0) return;
    const entries = await Promise.all(
      [...this.peers.entries()].map(async ([id, peer]) => {
        try {
          const reading = await readStats(peer.pc, 'outbound', peer.sample);
          peer.sample = reading.sample;
          Object.assign(peer.view, { metrics: reading.metrics, local: reading.local, remote: reading.remote, keyFrames: reading.keyFrames });
          return { viewer_id: id, ...reading.metrics };
        } catch {
          return null;
        }
      }),
    );
    const viewers = entries.filter((e): e is NonNullable<typeof e> => e !== null);
    if (viewers.length > 0) this.send({ type: 'publisher.metrics', viewers });
    this.onChange();
  }
}
