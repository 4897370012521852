/**
 * Wire the portable services from what the edge supplies (config, store, runtime hooks).
 * Node and Deno call this; so do tests that want an app without a server.
 */
import type { ResolvedConfig } from './config.ts';
import type { Store } from './store/store.ts';
import type { Logger } from './logger.ts';
import type { AssetSource, Services } from './services.ts';
import type { UpgradeWebSocket } from 'hono/ws';
import type { Context } from 'hono';
import type { UploadStorage } from './uploads/upload-storage.ts';
import type { TtsEngine } from './tts-engine.ts';
import type { Item } from './protocol/scene.ts';
import { Metrics } from './metrics/metrics.ts';
import { RoomRegistry } from '../rooms/registry.ts';
import { RoomBus, type InstanceBusMessage } from '../rooms/room-bus.ts';
import { closeLocalSessionSockets, regrantLocalSessionSockets } from './http/session-sockets.ts';
import { OverlayRoom } from '../rooms/overlay-room.ts';
import { legacySocketFrames } from './legacy/socket-messages.ts';
import { SignalingRoom } from '../rooms/signaling-room.ts';
import { RateLimiter } from './access/rate-limit.ts';
import { ModeratorKeys } from './access/moderator-keys.ts';
import { Sessions } from './access/sessions.ts';
import { useSha256, type Sha256 } from './access/secrets.ts';
import { StreamerSessions } from './access/streamer-sessions.ts';
import { AdminLinks } from './access/admin-links.ts';
import { TokenSigner, ViewTokens } from './access/view-tokens.ts';
import { CloseCode } from './protocol/constants.ts';
import { allowedMediaOrigins, itemMediaRefusal } from './protocol/media-origins.ts';
import { capSocketsPerAddress } from './http/sockets-per-address.ts';
import { JanusSfu } from './webrtc/janus/janus-sfu.ts';
import type { WebSocketConstructor } from './webrtc/janus/janus-client.ts';
import { ProductionActions } from './production/production-actions.ts';
import { ProductionControl } from './production/production-control.ts';

export interface EdgeHooks {
  config: ResolvedConfig;
  /** INSTANCE_ID, or the edge's hostname-pid default (see defaultInstanceId). */
  instanceId: string;
  store: Store;
  log: Logger;
  assets: AssetSource;
  uploads: UploadStorage;
  tts?: TtsEngine;
  upgradeWebSocket: UpgradeWebSocket;
  peerAddress(c: Context): string;
  appliesSecurityHeaders?: boolean;
  /** For the server's own client socket to Janus, where the runtime has no global WebSocket (Node 20). */
  WebSocket?: WebSocketConstructor;
  eventLoopDelay?(): { p50_ms: number; p99_ms: number; max_ms: number };
  /** A synchronous SHA-256 (node:crypto); without it, Web Crypto's. */
  sha256?: Sha256;
}

export function createServices(edge: EdgeHooks): Services & { drainRooms(): Promise<void> } {
  useSha256(edge.sha256);
  const metrics = new Metrics();
  const signer = new TokenSigner(edge.config.TOKEN_SECRET);
  const origins = allowedMediaOrigins(edge.config);
  const refuseItem = (item: Item) => itemMediaRefusal(item, origins);
  // Several instances on one Redis share their rooms through it; the embedded store is one process.
  const bus = edge.store.kind === 'redis' ? new RoomBus(edge.store, edge.instanceId, edge.log) : undefined;
  // The rooms' control needs the registry to reach a room's draft; the registry needs the control.
  const production = new ProductionActions({ store: edge.store, log: edge.log, overlays: () => overlays });
  const control = new ProductionControl(production, edge.log);
  const overlays: RoomRegistry<OverlayRoom> = new RoomRegistry((id) => new OverlayRoom(id, { store: edge.store, metrics, log: edge.log, refuseItem, legacyFrames: legacySocketFrames, control, bus }));
  const { JANUS_URL, JANUS_TOKEN_SECRET, JANUS_ADMIN_KEY, TOKEN_SECRET } = edge.config;
  const sfu = JANUS_URL
    ? new JanusSfu({ url: JANUS_URL, tokenSecret: JANUS_TOKEN_SECRET, adminKey: JANUS_ADMIN_KEY, derivationSecret: TOKEN_SECRET, log: edge.log, WebSocket: edge.WebSocket })
    : undefined;
  const signaling = new RoomRegistry(
    (id) => new SignalingRoom(id, { metrics, log: edge.log, media: sfu?.backend, viewerLimits: { perAddress: edge.config.WEBRTC_MAX_VIEWERS_PER_ADDRESS }, bus }),
  );
  let draining = false;
  if (edge.config.PUBLIC_OVERLAY_ROOMS.length > 0) {
    edge.log.warn('PUBLIC_OVERLAY_ROOMS is set: these rooms can be watched without a view token by anyone who knows the address', {
      rooms: edge.config.PUBLIC_OVERLAY_ROOMS,
    });
  }
  let stopListening: (() => Promise<void>) | null = null;
  const services: Services & { drainRooms(): Promise<void> } = {
    ...edge,
    bus,
    upgradeWebSocket: capSocketsPerAddress(edge.upgradeWebSocket, edge.config.WS_MAX_SOCKETS_PER_ADDRESS).upgradeWebSocket,
    metrics,
    overlays,
    production,
    signaling,
    sfu,
    limiter: new RateLimiter(edge.store),
    keys: new ModeratorKeys(edge.store),
    sessions: new Sessions(edge.store, edge.config.MODERATOR_SESSION_TTL_SECONDS, edge.config.MODERATOR_SESSION_MAX_SECONDS),
    streamerSessions: new StreamerSessions(edge.store),
    adminLinks: new AdminLinks(edge.store),
    signer,
    viewTokens: new ViewTokens(signer, edge.store),
    isDraining: () => draining,
    /**
     * The runtime-independent half of a graceful stop: refuse new sockets and ops, store every
     * op already queued, then close every socket with 1012 so clients reconnect at once and
     * resync. The edge then waits for the close frames to go out and stops listening.
     */
    async drainRooms() {
      draining = true;
      for (const room of overlays.all()) await room.flush();
      for (const registry of [overlays, signaling] as RoomRegistry<OverlayRoom | SignalingRoom>[]) {
        for (const room of registry.all()) room.closeWhere(() => true, CloseCode.restarting, 'server restarting');
        registry.dispose();
      }
      await stopListening?.().catch(() => {});
      await sfu?.close();
    },
  };
  if (bus) {
    // Session ends and scope changes touch any room on any instance. Redis may be down at start: keep trying.
    const onInstanceMessage = (message: InstanceBusMessage) => {
      if (message.kind === 'session.closed') closeLocalSessionSockets(services, message.session_id, message.reason);
      else regrantLocalSessionSockets(services, message.session_id, { scopes: message.scopes, items: message.items?.length ? message.items : null });
    };
    const listen = () =>
      bus.listen(onInstanceMessage).then(
        (stop) => void (draining ? stop() : (stopListening = stop)),
        () => {
          if (draining) return;
          const retry = setTimeout(listen, 2000);
          (retry as unknown as { unref?: () => void }).unref?.();
        },
      );
    void listen();
  }
  return services;
}

/** INSTANCE_ID when set, else `<hostname>-<pid>`: unique per process on a host, readable in logs. */
export function instanceIdFrom(config: { INSTANCE_ID?: string | undefined }, hostname: string, pid: number): string {
  if (config.INSTANCE_ID) return config.INSTANCE_ID;
  const host = hostname.replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 100) || 'host';
  return `${host}-${pid}`;
}

/** The URL to print for a listening address (a wildcard bind is reachable on loopback). */
export function listenUrl(host: string, port: number): string {
  const reachable = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`;
}

/** Bound to loopback only: links that name this address work on this machine alone. */
export const isLoopbackHost = (host: string) => host === 'localhost' || host === '::1' || /^127\./.test(host);
