/**
 * Everything a route may need, built once by the edge (Node or Deno) and handed to createApp.
 * No module-level singletons: a test builds as many apps as it likes.
 */
import type { UpgradeWebSocket } from 'hono/ws';
import type { ResolvedConfig } from './config.ts';
import type { Store } from './store/store.ts';
import type { Logger } from './logger.ts';
import type { Metrics } from './metrics/metrics.ts';
import type { RoomRegistry } from '../rooms/registry.ts';
import type { OverlayRoom } from '../rooms/overlay-room.ts';
import type { SignalingRoom } from '../rooms/signaling-room.ts';
import type { RoomBus } from '../rooms/room-bus.ts';
import type { RateLimiter } from './access/rate-limit.ts';
import type { ModeratorKeys } from './access/moderator-keys.ts';
import type { Sessions } from './access/sessions.ts';
import type { StreamerSessions } from './access/streamer-sessions.ts';
import type { AdminLinks } from './access/admin-links.ts';
import type { TokenSigner, ViewTokens } from './access/view-tokens.ts';
import type { Context } from 'hono';
import type { UploadStorage } from './uploads/upload-storage.ts';
import type { TtsEngine } from './tts-engine.ts';
import type { JanusSfu } from './webrtc/janus/janus-sfu.ts';
import type { ProductionActions } from './production/production-actions.ts';

export interface AssetSource {
  /** A built client file (e.g. `overlay.js`) or null; the edge decides where files live. */
  get(name: string): Promise<{ body: Uint8Array; type: string } | null>;
}

export interface Services {
  config: ResolvedConfig;
  /** Which process this is, among several web instances on one Redis (INSTANCE_ID). */
  instanceId: string;
  store: Store;
  log: Logger;
  metrics: Metrics;
  overlays: RoomRegistry<OverlayRoom>;
  /** The other instances on the same Redis (absent on the embedded store, which is one process). */
  bus?: RoomBus;
  /** WebRTC signaling rooms (publisher + viewers), separate from the scene rooms. */
  signaling: RoomRegistry<SignalingRoom>;
  /** Presets, history and revert, draft and take (src/production/). */
  production: ProductionActions;
  limiter: RateLimiter;
  keys: ModeratorKeys;
  sessions: Sessions;
  /** The dashboard's sign-ins (cookie) and the one-time admin links printed at start. */
  streamerSessions: StreamerSessions;
  adminLinks: AdminLinks;
  signer: TokenSigner;
  viewTokens: ViewTokens;
  assets: AssetSource;
  /** The media library's files (UPLOAD_DIR on Node). */
  uploads: UploadStorage;
  /** A server-side speech engine (TTS_ENGINE=espeak); absent when overlays speak by themselves. */
  tts?: TtsEngine;
  upgradeWebSocket: UpgradeWebSocket;
  /** The Janus SFU (JANUS_URL); absent when WebRTC media flows peer to peer. */
  sfu?: JanusSfu;
  /** The TCP peer's address, from the runtime's connection info. */
  peerAddress(c: Context): string;
  /** The edge sets the security headers on every response itself, so the app skips the middleware. */
  appliesSecurityHeaders?: boolean;
  /** Event-loop delay percentiles, where the runtime can measure them. */
  eventLoopDelay?(): { p50_ms: number; p99_ms: number; max_ms: number };
  /** True while the server drains before exit: new sockets are refused. */
  isDraining(): boolean;
}
