/** ICE servers for a peer connection: STUN for anyone, TURN credentials for a token holder. */
import type { IceCandidate, WebrtcConfigResponse } from '../../src/protocol/signaling.ts';

export type IceServers = WebrtcConfigResponse['iceServers'];

/** Never throws: without the server's list a peer connection still works on a LAN. */
export async function fetchIceServers(token: string): Promise<IceServers> {
  try {
    const res = await fetch(`/api/webrtc/config?token=${encodeURIComponent(token)}`, { cache: 'no-store' });
    if (!res.ok) return [];
    return ((await res.json()) as WebrtcConfigResponse).iceServers;
  } catch {
    return [];
  }
}

export const hasTurn = (servers: IceServers) => servers.some((s) => s.urls.some((u) => /^turns?:/.test(u)));

/** ws(s)://host/ws/webrtc/:room/:role?token= for this page's origin. */
export function signalingUrl(room: string, role: 'publisher' | 'viewer', token: string): string {
  const url = new URL(`/ws/webrtc/${encodeURIComponent(room)}/${role}`, location.href);
  url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  url.search = `?token=${encodeURIComponent(token)}`;
  return url.href;
}

/** A gathered candidate as the protocol carries it (toJSON() types `candidate` as optional). */
export const candidateToWire = (c: RTCIceCandidate): IceCandidate => ({
  candidate: c.candidate,
  sdpMid: c.sdpMid,
  sdpMLineIndex: c.sdpMLineIndex,
  usernameFragment: c.usernameFragment,
});
