/**
 * Reads one RTCPeerConnection's getStats() into the protocol's PeerMetrics: what the room's
 * stats show per viewer. Rates need two samples, so the caller keeps the previous one.
 */
import type { CandidateType, PeerMetrics, PeerState } from '../../src/protocol/signaling.ts';

export interface RtcSample {
  at: number;
  bytes: number;
  frames: number;
}

export interface RtcReading {
  metrics: PeerMetrics;
  sample: RtcSample;
  /** The selected pair's own ends, for tests and the publisher's table. */
  local: CandidateType | null;
  remote: CandidateType | null;
  keyFrames: number;
}

type Stat = Record<string, unknown> & { type: string; id: string };

const num = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);
const round = (value: number | null, digits = 0) => (value === null ? null : Math.round(value * 10 ** digits) / 10 ** digits);

export async function readStats(pc: RTCPeerConnection, direction: 'inbound' | 'outbound', previous?: RtcSample): Promise<RtcReading> {
  const report = await pc.getStats();
  const stats = new Map<string, Stat>();
  report.forEach((s: Stat) => stats.set(s.id, s));
  const all = [...stats.values()];

  const rtp = all.find((s) => s.type === `${direction}-rtp` && s.kind === 'video');
  const bytes = num(rtp?.[direction === 'inbound' ? 'bytesReceived' : 'bytesSent']) ?? 0;
  const frames = num(rtp?.[direction === 'inbound' ? 'framesDecoded' : 'framesEncoded']) ?? 0;
  const now = performance.now();
  const seconds = previous ? (now - previous.at) / 1000 : 0;
  const bitrate = previous && seconds > 0 && bytes >= previous.bytes ? ((bytes - previous.bytes) * 8) / 1000 / seconds : null;

  // The selected pair: the transport says which; older stats only mark it nominated.
  const transport = all.find((s) => s.type === 'transport');
  const pair =
    stats.get(String(transport?.selectedCandidatePairId)) ??
    all.find((s) => s.type === 'candidate-pair' && s.nominated === true && s.state === 'succeeded');
  const local = candidateType(stats.get(String(pair?.localCandidateId)));
  const remote = candidateType(stats.get(String(pair?.remoteCandidateId)));

  let loss: number | null = null;
  let rtt = num(pair?.currentRoundTripTime);
  if (direction === 'inbound') {
    const lost = num(rtp?.packetsLost);
    const received = num(rtp?.packetsReceived);
    if (lost !== null && received !== null && lost + received > 0) loss = (100 * Math.max(0, lost)) / (lost + received);
  } else {
    const remoteIn = all.find((s) => s.type === 'remote-inbound-rtp' && s.kind === 'video');
    const fraction = num(remoteIn?.fractionLost);
    if (fraction !== null) loss = 100 * fraction;
    rtt = num(remoteIn?.roundTripTime) ?? rtt;
  }

  return {
    metrics: {
      state: pc.connectionState as PeerState,
      candidate_type: pathType(local, remote),
      bitrate_kbps: round(bitrate),
      fps: round(num(rtp?.framesPerSecond)),
      width: num(rtp?.frameWidth),
      height: num(rtp?.frameHeight),
      rtt_ms: round(rtt === null ? null : rtt * 1000, 1),
      packet_loss_pct: round(loss, 2),
      frames,
    },
    sample: { at: now, bytes, frames },
    local,
    remote,
    keyFrames: num(rtp?.[direction === 'inbound' ? 'keyFramesDecoded' : 'keyFramesEncoded']) ?? 0,
  };
}

function candidateType(candidate: Stat | undefined): CandidateType | null {
  const type = candidate?.candidateType;
  return type === 'host' || type === 'srflx' || type === 'prflx' || type === 'relay' ? type : null;
}

/** What a person wants to know about a path: relayed if either end relays, else the more remote end. */
export function pathType(local: CandidateType | null, remote: CandidateType | null): CandidateType | null {
  for (const type of ['relay', 'srflx', 'prflx', 'host'] as const) if (local === type || remote === type) return type;
  return null;
}
