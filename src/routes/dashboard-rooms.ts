/**
 * What the streamer dashboard lists and does per room (all streamer-only; the cookie or
 * `x-streamer-token`):
 *
 *   GET  /api/rooms                   rooms with a stored scene or live sockets, with counts
 *   POST /api/rooms                   {room}: start a room (an empty stored scene)
 *   POST /api/rooms/:room/invites     {label?, ttl?}: a one-time moderator key and its link
 *   GET  /api/rooms/:room/overlays    health: each overlay and panel (dashboards only counted),
 *                                     the apply latency's p50/p95 per 10 s over 5 min
 */
import { Hono } from 'hono';
import * as v from 'valibot';
import type { AppEnv } from '../app-env.ts';
import type { Services } from '../services.ts';
import type { Connection } from '../../rooms/connection.ts';
import type { OverlayRoom } from '../../rooms/overlay-room.ts';
import { authenticate } from '../access/authenticate.ts';
import { readValidBody } from '../http/body.ts';
import { RoomId, emptyScene } from '../protocol/scene.ts';
import { AppError } from '../errors.ts';
import { roomName } from '../http/room-param.ts';
import { issueKey, KeyLabel, KeyTtl } from './moderator-keys.ts';
import { audit } from '../store/audit.ts';
import { publicBaseUrl } from '../http/public-url.ts';

const NewRoomBody = v.object({ room: RoomId });
const InviteBody = v.object({ label: KeyLabel, ttl: KeyTtl });

export function dashboardRoomRoutes(services: Services) {
  const app = new Hono<AppEnv>();
  const streamer = authenticate(services, { allow: ['streamer'] });

  app.get('/api/rooms', streamer, async (c) => {
    const names = new Set(await services.store.listSceneRooms());
    // A dashboard watching a room does not make it a room.
    for (const room of services.overlays.all()) if ([...room.connections.values()].some((conn) => !conn.meta?.dashboard)) names.add(room.id);
    const [keys, sessions] = await Promise.all([services.keys.list(), services.sessions.list()]);
    const rooms = await Promise.all(
      [...names].sort().map(async (name) => {
        const live = services.overlays.peek(name);
        const connections = live ? [...live.connections.values()] : [];
        return {
          room: name,
          version: await versionOf(services, name),
          overlays: connections.filter((conn) => conn.role === 'overlay').length,
          panels: connections.filter(isPanel).length,
          keys: keys.filter((k) => k.room === name).length,
          sessions: sessions.filter((s) => s.room === name).length,
        };
      }),
    );
    return c.json({ ok: true, rooms });
  });

  app.post('/api/rooms', streamer, async (c) => {
    const { room: name } = await readValidBody(c, NewRoomBody);
    const room = services.overlays.get(name);
    await room.ready();
    if (room.currentVersion > 0) return c.json({ ok: true, room: name, created: false, version: room.currentVersion });
    const result = await room.replace(emptyScene(), 'streamer', 0);
    if (!result.ok) throw new AppError(result.code === 'conflict' ? 409 : 503, result.code, result.message);
    await audit(services, name, { action: 'room.created' });
    return c.json({ ok: true, room: name, created: true, version: result.version });
  });

  app.post('/api/rooms/:room/invites', streamer, async (c) => {
    const room = roomName(c);
    const body = await readValidBody(c, InviteBody);
    const issued = await issueKey(services, c, { room, label: body.label, ttl: body.ttl });
    const url = `${publicBaseUrl(services, c)}/moderator?key=${encodeURIComponent(issued.key)}`;
    return c.json({ ok: true, ...issued, url });
  });

  app.get('/api/rooms/:room/overlays', streamer, async (c) => {
    const name = roomName(c);
    const live = services.overlays.peek(name);
    const connections = live ? [...live.connections.values()] : [];
    return c.json({
      ok: true,
      room: name,
      version: await versionOf(services, name),
      overlays: connections.filter((conn) => conn.role === 'overlay').map((conn) => overlayHealth(live!, conn)),
      panels: connections.filter(isPanel).map((conn) => ({ id: conn.id, label: conn.label, role: conn.role, ...client(conn) })),
      dashboards: connections.filter((conn) => conn.meta?.dashboard).length,
      latency: live?.latency.series() ?? [],
    });
  });

  return app;
}

const isPanel = (conn: Connection) => conn.role !== 'overlay' && !conn.meta?.dashboard;

async function versionOf(services: Services, room: string): Promise<number> {
  const live = services.overlays.peek(room);
  if (live && live.currentVersion > 0) return live.currentVersion;
  return (await services.store.loadScene(room))?.version ?? 0;
}

function overlayHealth(room: OverlayRoom, conn: Connection) {
  const state = room.clientState(conn.id);
  return {
    id: conn.id,
    applied_version: state?.appliedVersion ?? null,
    apply_latency_ms: state?.applyLatencyMs ?? null,
    last_seen_at: state ? new Date(state.lastSeen).toISOString() : null,
    reconnects: conn.meta?.reconnects ?? 0,
    ...client(conn),
  };
}

function client(conn: Connection) {
  const userAgent = conn.meta?.userAgent ?? '';
  return {
    connected_at: conn.meta ? new Date(conn.meta.connectedAt).toISOString() : null,
    address: conn.meta?.address ?? null,
    user_agent: userAgent,
    client: clientKind(userAgent),
  };
}

/** OBS's browser source says `OBS/<version>`; other CEF hosts (Streamlabs, vMix…) say less. */
export function clientKind(userAgent: string): 'obs' | 'cef' | 'browser' {
  if (/\bOBS\//.test(userAgent)) return 'obs';
  if (/\bCEF\b|Streamlabs|XSplit|vMix/i.test(userAgent)) return 'cef';
  return 'browser';
}
