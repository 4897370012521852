/**
 * The WebRTC signaling protocol (WS /ws/webrtc/:room/publisher and /viewer): every message,
 * both directions, declared once. The server and SignalingRoom validate with these schemas;
 * the publisher page and the overlay viewer import the types (schemas would pull valibot
 * into their bundles), so a message name spelled wrong fails `tsc`.
 *
 * Addressing: each viewer gets a `viewer_id` from the server. Publisher messages carry
 * `to: viewer_id` (no `to` = every viewer, as in the FastAPI version); viewer messages reach the
 * publisher with `from: viewer_id` added by the server. The publisher always makes the offer.
 */
import * as v from 'valibot';
import { RoomId } from './scene.ts';

/** A 1080p60 offer with simulcast and every codec is ~10 KB; 64 KB leaves room without abuse. */
export const MAX_SDP_CHARS = 64 * 1024;
/** An ICE candidate line is ~100–200 characters. */
export const MAX_CANDIDATE_CHARS = 1024;
/** A publisher uploads one stream per viewer: past this, its uplink is the limit anyway. */
export const MAX_VIEWERS_PER_ROOM = 32;
/**
 * Viewer sockets one token may hold: a view token (OBS URL) traded for any number of viewer
 * tokens still counts as one, so a leaked URL cannot take every slot.
 */
export const MAX_VIEWERS_PER_TOKEN = 3;
/** Default of WEBRTC_MAX_VIEWERS_PER_ADDRESS: one PC with OBS and previews, or a household NAT. */
export const DEFAULT_MAX_VIEWERS_PER_ADDRESS = 8;
/** A viewer that sent nothing this long (it pings every 15 s) is the first to give up its slot. */
export const QUIET_VIEWER_MS = 40_000;
/** Anything bigger cannot be a valid message; refused before JSON.parse. */
export const MAX_SIGNALING_FRAME_CHARS = MAX_SDP_CHARS + 8 * 1024;

export const WEBRTC_ROLES = ['publisher', 'viewer'] as const;
export type WebrtcRole = (typeof WEBRTC_ROLES)[number];
export const WebrtcRole = v.picklist(WEBRTC_ROLES, 'role must be publisher or viewer');

export const PEER_STATES = ['new', 'connecting', 'connected', 'disconnected', 'failed', 'closed'] as const;
export type PeerState = (typeof PEER_STATES)[number];
export const CANDIDATE_TYPES = ['host', 'srflx', 'prflx', 'relay'] as const;
export type CandidateType = (typeof CANDIDATE_TYPES)[number];

/** Server-assigned ids (a connection's UUID); validated because clients echo them in `to`. */
export const PeerId = v.pipe(
  v.string('viewer id must be a string'),
  v.minLength(1),
  v.maxLength(64, 'viewer id is longer than 64 characters'),
  v.regex(/^[A-Za-z0-9_-]+$/, 'viewer id may hold only letters, digits, _ and -'),
);

const Sdp = v.pipe(
  v.string('sdp must be a string'),
  v.minLength(1, 'sdp must not be empty'),
  v.maxLength(MAX_SDP_CHARS, `sdp is longer than ${MAX_SDP_CHARS} characters`),
);

/** RTCIceCandidateInit; `null` (or an empty candidate string) marks the end of gathering. */
export const IceCandidate = v.nullable(
  v.object({
    candidate: v.pipe(v.string('candidate must be a string'), v.maxLength(MAX_CANDIDATE_CHARS, `candidate is longer than ${MAX_CANDIDATE_CHARS} characters`)),
    sdpMid: v.optional(v.nullable(v.pipe(v.string(), v.maxLength(64)))),
    sdpMLineIndex: v.optional(v.nullable(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(1023)))),
    usernameFragment: v.optional(v.nullable(v.pipe(v.string(), v.maxLength(256)))),
  }),
);
export type IceCandidate = v.InferOutput<typeof IceCandidate>;

const bounded = (name: string, max: number) =>
  v.optional(v.nullable(v.pipe(v.number(`${name} must be a number`), v.finite(`${name} must be finite`), v.minValue(0), v.maxValue(max, `${name} must be at most ${max}`))));

/**
 * One peer connection's health, from getStats(): what room stats show per viewer. Every
 * number is bounded so a hostile client cannot store absurd values in the room.
 * `candidate_type` is the selected path's: relay if either end relays (TURN is in use),
 * else srflx/prflx if either end is, else host.
 */
export const PeerMetrics = v.object({
  state: v.optional(v.picklist(PEER_STATES, 'state must be an RTCPeerConnectionState')),
  candidate_type: v.optional(v.nullable(v.picklist(CANDIDATE_TYPES, 'candidate_type must be host, srflx, prflx or relay'))),
  bitrate_kbps: bounded('bitrate_kbps', 1_000_000),
  fps: bounded('fps', 1000),
  width: bounded('width', 16_384),
  height: bounded('height', 16_384),
  rtt_ms: bounded('rtt_ms', 600_000),
  packet_loss_pct: bounded('packet_loss_pct', 100),
  frames: bounded('frames', Number.MAX_SAFE_INTEGER),
});
export type PeerMetrics = v.InferOutput<typeof PeerMetrics>;

const ClientTs = v.optional(v.pipe(v.number(), v.finite()));
const Ping = v.object({ type: v.literal('ping'), client_ts: ClientTs });
const To = v.optional(PeerId);

/** What the publisher page may send. */
export const PublisherMessage = v.variant('type', [
  v.object({ type: v.literal('offer'), to: To, sdp: Sdp }),
  v.object({ type: v.literal('ice-candidate'), to: To, candidate: IceCandidate }),
  v.object({
    type: v.literal('publisher.metrics'),
    viewers: v.pipe(
      v.array(v.object({ viewer_id: PeerId, ...PeerMetrics.entries })),
      v.maxLength(MAX_VIEWERS_PER_ROOM, `at most ${MAX_VIEWERS_PER_ROOM} viewers`),
    ),
  }),
  Ping,
]);
export type PublisherMessage = v.InferOutput<typeof PublisherMessage>;

/** What a viewer (the overlay's video) may send. */
export const ViewerMessage = v.variant('type', [
  v.object({ type: v.literal('answer'), sdp: Sdp }),
  v.object({ type: v.literal('ice-candidate'), candidate: IceCandidate }),
  /** The picture froze while packets still arrive: ask for a fresh key frame. */
  v.object({ type: v.literal('viewer.request-keyframe') }),
  /**
   * Ask the publisher for a new offer: an ICE restart on the existing connection (the
   * viewer's reconnect ladder), or with `fresh` a new connection (the viewer has none).
   */
  v.object({ type: v.literal('viewer.request-restart'), fresh: v.optional(v.boolean('fresh must be true or false')) }),
  /** The viewer's own view of its connection, for room stats. */
  v.object({ type: v.literal('viewer.state'), ...PeerMetrics.entries }),
  Ping,
]);
export type ViewerMessage = v.InferOutput<typeof ViewerMessage>;

export const PUBLISHER_MESSAGE_TYPES = PublisherMessage.options.map((o) => o.entries.type.literal);
export const VIEWER_MESSAGE_TYPES = ViewerMessage.options.map((o) => o.entries.type.literal);

export type SignalingErrorCode =
  | 'bad_json'
  | 'bad_message'
  | 'unknown_type'
  | 'forbidden'
  | 'too_large'
  | 'no_such_viewer'
  | 'no_publisher'
  | 'rate_limited'
  /** JANUS_URL is set but the SFU is not reachable now; the server reconnects by itself. */
  | 'sfu_unavailable'
  /** The SFU refused a step (e.g. a malformed SDP); the client's recovery starts over. */
  | 'sfu_error';

export type SignalingError = { type: 'error'; code: SignalingErrorCode; message: string; issues?: Record<string, string[]> };
export type Pong = { type: 'pong'; server_ts: number; client_ts?: number };

/**
 * Sent on join and whenever the publisher changes. A new `publisher_session` tells viewers
 * to drop their peer connection and wait for the new publisher's offer (renegotiate).
 */
export type RoomState = {
  type: 'room.state';
  room: string;
  publisher: boolean;
  publisher_session: string | null;
  /** To a viewer: its own id. */
  viewer_id?: string;
  /** To the publisher: every viewer already waiting, so it can offer to each (peer to peer only). */
  viewers?: string[];
  /**
   * `sfu`: media goes through the server's SFU (Janus). The publisher keeps ONE connection,
   * to the peer `sfu` (offers to it; its answer and candidates come `from: "sfu"`), and gets
   * no viewer.joined / viewer.left. Absent: peer to peer, one connection per viewer.
   */
  media?: 'sfu';
};

export type ToPublisher =
  | RoomState
  | { type: 'viewer.joined'; viewer_id: string }
  | { type: 'viewer.left'; viewer_id: string }
  | { type: 'answer'; from: string; sdp: string }
  | { type: 'ice-candidate'; from: string; candidate: IceCandidate }
  | { type: 'viewer.request-keyframe'; from: string }
  | { type: 'viewer.request-restart'; from: string; fresh?: boolean }
  | ({ type: 'viewer.state'; from: string } & PeerMetrics)
  /** Another publisher took over this room; the socket closes with CloseCode.publisherReplaced. */
  | { type: 'publisher.replaced'; message: string }
  | Pong
  | SignalingError;

export type ToViewer =
  | RoomState
  | { type: 'offer'; sdp: string }
  | { type: 'ice-candidate'; candidate: IceCandidate }
  /** The publisher's view of this viewer's connection (FastAPI version: publisher → viewer). */
  | { type: 'publisher.metrics'; metrics: PeerMetrics }
  | Pong
  | SignalingError;

export type SignalingServerMessage = ToPublisher | ToViewer;

/** Claims of a WebRTC token (HS256 JWT with TOKEN_SECRET; exp, iat, jti set by the signer). */
export const WebrtcTokenClaims = v.object({
  room: RoomId,
  role: WebrtcRole,
  /** The room's view-token epoch: rotate-tokens revokes WebRTC tokens (and their refreshes) too. */
  epoch: v.pipe(v.number(), v.integer()),
  kind: v.literal('webrtc'),
  /** The moderator session that minted the chain: ending the session ends the token. */
  sid: v.optional(v.pipe(v.string(), v.maxLength(64))),
  /** The credential the chain started from (a view token, or this mint): viewer slots count per grant. */
  gid: v.optional(v.pipe(v.string(), v.maxLength(128))),
  jti: v.optional(v.string()),
  exp: v.pipe(v.number(), v.integer()),
  iat: v.pipe(v.number(), v.integer()),
});
export type WebrtcTokenClaims = v.InferOutput<typeof WebrtcTokenClaims>;

/** POST /api/webrtc/token and /api/webrtc/token/refresh answer with this. */
export type WebrtcTokenResponse = {
  ok: true;
  room: string;
  role: WebrtcRole;
  ttl: number;
  expires_at: number;
  token: string;
  ws_url: string;
  /** The page this token opens: /publish for a publisher, the overlay's /preview for a viewer. */
  page_url: string;
};

/** GET /api/webrtc/config answers with this. */
export type WebrtcConfigResponse = {
  ok: true;
  iceServers: { urls: string[]; username?: string; credential?: string }[];
  /** Seconds until TURN credentials expire (null without TURN): fetch again before. */
  credential_ttl: number | null;
};
