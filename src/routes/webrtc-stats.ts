/**
 * GET /api/webrtc/rooms/:room/stats (streamer, or a moderator of the room). The FastAPI
 * version's fields come first — `publisher_online` (boolean), `viewers` (a number) and
 * `publisher_metrics` — then ours: `publisher` (online, since) and `viewer_list` (per viewer:
 * state, candidate type, what the publisher measured, what the viewer reported).
 */
import { Hono } from 'hono';
import type { AppEnv } from '../app-env.ts';
import type { Services } from '../services.ts';
import type { SignalingRoom } from '../../rooms/signaling-room.ts';
import { authenticate } from '../access/authenticate.ts';
import { mayActOnRoom } from '../access/principal.ts';
import { AppError } from '../errors.ts';
import { LogThrottle } from '../log-throttle.ts';
import { roomName } from '../http/room-param.ts';

/** The FastAPI version's panel polls its default room every 2 s, allowed or not. */
const REFUSAL_LOG_WINDOW_MS = 10 * 60_000;

type Snapshot = ReturnType<SignalingRoom['snapshot']>;

export function webrtcStatsRoutes(services: Services) {
  const app = new Hono<AppEnv>();
  const refusals = new LogThrottle(REFUSAL_LOG_WINDOW_MS);

  app.get('/api/webrtc/rooms/:room/stats', authenticate(services, { allow: ['streamer', 'moderator'] }), (c) => {
    const room = roomName(c);
    const principal = c.get('principal');
    if (!mayActOnRoom(principal, room)) {
      const admitted = refusals.admit(`${principal.sessionId}:${room}`);
      if (admitted) services.log.info('webrtc stats refused: wrong room', { room, session_room: principal.room, who: principal.label, suppressed: admitted.suppressed });
      throw new AppError(403, 'wrong_room', `this credential is for room "${principal.room}", not "${room}"`);
    }
    const snapshot = services.signaling.peek(room)?.snapshot() ?? { room, publisher: { online: false, session: null, since: null, online_ms: null }, viewers: [], relayed_messages: 0, media: { kind: services.sfu ? 'sfu' : 'p2p' } };
    return c.json({ ok: true, ...legacyFields(snapshot), publisher: snapshot.publisher, viewer_list: snapshot.viewers, relayed_messages: snapshot.relayed_messages, media: snapshot.media, server_ts: Date.now() });
  });

  return app;
}

/** `publisher_metrics`: the publisher's latest report, per viewer it measured; null before one. */
function legacyFields(snapshot: Snapshot) {
  const measured = snapshot.viewers.filter((viewer) => viewer.metrics !== null);
  const at = Math.max(...measured.map((viewer) => viewer.metrics_at ?? 0));
  return {
    room: snapshot.room,
    publisher_online: snapshot.publisher.online,
    viewers: snapshot.viewers.length,
    publisher_metrics: measured.length === 0 ? null : { at, viewers: measured.map((viewer) => ({ viewer_id: viewer.viewer_id, ...viewer.metrics })) },
  };
}
