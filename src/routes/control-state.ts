/**
 * Button feedback for control surfaces (scope `control.read`):
 *
 *   GET /api/rooms/:room/state          the compact state (src/protocol/control-state.ts)
 *   WS  /ws/control?room=R&token=ctl_…  `state.full`, then `state.patch` on every change
 *
 * The socket joins the overlay room as a `control` connection and is fed what the room
 * broadcasts, translated by ControlFeed; it may send only `ping` (answered with `pong`).
 */
import { Hono } from 'hono';
import type { AppEnv } from '../app-env.ts';
import type { Services } from '../services.ts';
import type { UpgradeWebSocket, WSEvents } from 'hono/ws';
import { requireScope } from '../access/authenticate.ts';
import type { ControlTokens } from '../access/control-tokens.ts';
import type { Connection } from '../../rooms/connection.ts';
import { byName, controlItem, controlObs, livePreset, type ControlState } from '../protocol/control-state.ts';
import { ScenePresets } from '../store/scene-presets.ts';
import { controlAuth } from './control-auth.ts';
import { ControlFeed } from './control-feed.ts';
import { roomName } from '../http/room-param.ts';
import { frameText } from '../http/ws-connection.ts';

export function controlStateRoutes(services: Services & { upgradeWebSocket: UpgradeWebSocket }, tokens: ControlTokens) {
  const app = new Hono<AppEnv>();
  const read = controlAuth(services, tokens, { write: false });
  const presets = new ScenePresets(services.store);

  app.get('/api/rooms/:room/state', read, async (c) => {
    requireScope(c.get('principal'), { type: 'control.read' });
    const name = roomName(c);
    const room = services.overlays.get(name);
    await room.ready();
    const { scene, version } = room.snapshot();
    const stored = await presets.list(name);
    const now = Date.now();
    const state: ControlState = {
      room: name,
      version,
      items: Object.fromEntries(scene.items.map((item) => [item.id, controlItem(item, now)])),
      by_name: byName(scene.items),
      presets: stored.map((preset) => preset.name),
      live_preset: livePreset(scene.items, stored),
      obs: controlObs(room.obs.roomObs()),
      server_ts: now,
    };
    return c.json({ ok: true, ...state });
  });

  app.get('/ws/control', controlAuth(services, tokens, { write: true }), async (c, next) => {
    const principal = c.get('principal');
    requireScope(principal, { type: 'control.read' });
    // Read out of the Context here: the socket's handlers must not close over it, or an open
    // socket keeps its whole upgrade request (headers, URLs, the token) alive.
    const joining: ControlJoin = {
      room: roomName(c),
      label: principal.label,
      sessionId: principal.sessionId,
      userAgent: (c.req.header('user-agent') ?? '').slice(0, 300),
      address: c.get('clientIp'),
    };
    return services.upgradeWebSocket(controlSocketEvents(services, presets, joining))(c, next);
  });

  return app;
}

/** What a control socket needs of its upgrade request, copied out of the Context. */
interface ControlJoin {
  room: string;
  label: string;
  sessionId: string | undefined;
  userAgent: string;
  address: string;
}

/** Module-level, so the handlers' scope holds only the join, not the route's Context. */
function controlSocketEvents(services: Pick<Services, 'overlays'>, presets: ScenePresets, joining: ControlJoin): () => WSEvents {
  return () => {
    let conn: Connection | null = null;
    const room = () => services.overlays.get(joining.room);
    return {
      onOpen(_event, ws) {
        const feed = new ControlFeed({ room: joining.room, presets: () => presets.list(joining.room), send: (frame) => ws.send(JSON.stringify(frame)) });
        const raw = ws.raw as { bufferedAmount?: number } | undefined;
        conn = {
          id: crypto.randomUUID(),
          role: 'control',
          label: joining.label,
          ...(joining.sessionId !== undefined ? { sessionId: joining.sessionId } : {}),
          meta: { connectedAt: Date.now(), userAgent: joining.userAgent, address: joining.address, reconnects: 0 },
          get bufferedAmount() {
            return raw?.bufferedAmount ?? 0;
          },
          send: (data) => feed.receive(data),
          close: (code, reason) => ws.close(code, reason),
        };
        room().connect(conn);
      },
      onMessage(event, ws) {
        if (!conn) return;
        const text = frameText(event.data);
        // Only pings reach the room (they keep the socket from being swept as silent).
        if (text !== null && /^\s*\{\s*"type"\s*:\s*"ping"/.test(text)) return room().receive(conn, text);
        ws.send(JSON.stringify({ type: 'error', code: 'bad_message', message: 'the control feed is read-only: send only {"type":"ping"}' }));
      },
      onClose() {
        if (conn) room().disconnect(conn);
      },
      onError() {
        if (conn) room().disconnect(conn);
      },
    };
  };
}
