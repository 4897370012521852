/**
 * WS /ws/overlay (OBS) and WS /ws/moderator (panels): the route authenticates and hands the
 * room a Connection that already carries role and identity; the room does the rest.
 */
import { Hono, type Context } from 'hono';
import type { UpgradeWebSocket } from 'hono/ws';
import type { RoomRegistry } from '../../rooms/registry.ts';
import type { OverlayRoom } from '../../rooms/overlay-room.ts';
import type { Connection, ConnectionMeta, Role } from '../../rooms/connection.ts';
import { toConnection, frameText } from '../http/ws-connection.ts';
import { roomName } from '../http/room-param.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { Principal } from '../access/principal.ts';
import type { AppEnv } from '../app-env.ts';
import { badRequest } from '../errors.ts';
import { PROTOCOL_PARAM, PROTOCOL_VERSION } from '../protocol/constants.ts';

export interface SocketRouteDeps {
  overlays: RoomRegistry<OverlayRoom>;
  upgradeWebSocket: UpgradeWebSocket;
  metrics: Metrics;
  /** Set while the server drains: new sockets are refused so the old ones can finish. */
  isDraining(): boolean;
}

export function overlaySocketRoutes(deps: SocketRouteDeps) {
  const app = new Hono<AppEnv>();

  const join = (principal: () => Principal, room: string, meta: ConnectionMeta, sinceVersion?: number, role?: Role, legacy?: boolean) =>
    deps.upgradeWebSocket(() => {
      let conn: Connection | null = null;
      let target: OverlayRoom | null = null;
      return {
        onOpen(_event, ws) {
          // Looked up at open, not at upgrade (as the signaling route does): the registry may
          // have dropped an idle room in between.
          const who = principal();
          const opened = toConnection(ws, { id: crypto.randomUUID(), role: role ?? who.role, label: who.label, sessionId: who.sessionId, legacy, meta: { ...meta, connectedAt: Date.now() } });
          [target, conn] = [deps.overlays.get(room), opened];
          target.connect(opened, sinceVersion);
        },
        onMessage(event, _ws) {
          // Draining: take no new ops, or a client that keeps sending keeps the flush from ever
          // ending. Unacknowledged means not applied; the client resyncs after 1012.
          if (!conn || !target || deps.isDraining()) return;
          target.receive(conn, frameText(event.data));
        },
        onClose() {
          if (conn && target) target.disconnect(conn);
        },
        onError() {
          if (conn && target) target.disconnect(conn);
        },
      };
    });

  app.get('/ws/overlay', async (c, next) => {
    const room = roomName(c.req.query('room'));
    const principal = c.get('principal');
    // An overlay page is an overlay whatever credential opened it (e.g. a moderator's cookie
    // when the panel and an overlay preview share a browser): it must count as one and may
    // only speak the overlay protocol.
    return join(() => principal, room, metaOf(c), sinceFrom(c.req.query('since_version')), 'overlay', speaksLegacy(c.req.query(PROTOCOL_PARAM)))(c, next);
  });

  app.get('/ws/moderator', async (c, next) => {
    const principal = c.get('principal');
    const room = roomName(c.req.query('room') ?? principal.room);
    return join(() => principal, room, metaOf(c), sinceFrom(c.req.query('since_version')), undefined, speaksLegacy(c.req.query(PROTOCOL_PARAM)))(c, next);
  });

  return app;
}

/** Shown to the streamer as text only; bounded so a client cannot park megabytes in memory. */
function metaOf(c: Context<AppEnv>): ConnectionMeta {
  const reconnects = c.req.query('reconnects');
  return {
    connectedAt: Date.now(),
    userAgent: (c.req.header('user-agent') ?? '').slice(0, 300),
    address: c.get('clientIp'),
    reconnects: reconnects !== undefined && /^\d{1,6}$/.test(reconnects) ? Number(reconnects) : 0,
    // Only the streamer may say so: a moderator must not hide from the streamer's panel list.
    dashboard: c.get('principal').role === 'streamer' && c.req.query('view') === 'dashboard',
  };
}

/** `v=2` (our clients) or nothing / `v=1` (the FastAPI version's pages and scripts). */
function speaksLegacy(value: string | undefined): boolean {
  if (value === undefined || value === '1') return true;
  if (value === String(PROTOCOL_VERSION)) return false;
  throw badRequest('bad_protocol', `${PROTOCOL_PARAM} must be 1 or ${PROTOCOL_VERSION}`);
}

function sinceFrom(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d{1,15}$/.test(value)) return undefined;
  return Number(value);
}
