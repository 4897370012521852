/**
 * View tokens for OBS, their rotation, and the FastAPI version's HTTP apply report.
 */
import { Hono } from 'hono';
import * as v from 'valibot';
import type { AppEnv } from '../app-env.ts';
import type { Services } from '../services.ts';
import { authenticate } from '../access/authenticate.ts';
import { readValidBody } from '../http/body.ts';
import { AppError } from '../errors.ts';
import { RoomId } from '../protocol/scene.ts';
import { StageSchema } from '../protocol/production-ops.ts';
import { CloseCode } from '../protocol/messages.ts';
import { DEFAULT_ROOM, roomName } from '../http/room-param.ts';
import { audit } from '../store/audit.ts';
import { publicBaseUrl } from '../http/public-url.ts';

const TokenBody = v.object({ room: v.optional(RoomId, DEFAULT_ROOM), stages: v.optional(v.pipe(v.array(StageSchema, 'stages must be an array of live, draft'), v.maxLength(2))) });
const AppliedBody = v.object({
  room: v.optional(RoomId, DEFAULT_ROOM),
  version: v.pipe(v.number(), v.safeInteger(), v.minValue(0)),
  server_ts: v.optional(v.number()),
  client_ts: v.optional(v.number()),
});

export function overlayAccessRoutes(services: Services) {
  const app = new Hono<AppEnv>();
  const streamer = authenticate(services, { allow: ['streamer'] });

  app.post('/api/overlay/token', streamer, async (c) => {
    const { room, stages } = await readValidBody(c, TokenBody);
    const token = await services.viewTokens.issue(room, stages);
    const url = `${publicBaseUrl(services, c)}/overlay?room=${encodeURIComponent(room)}&token=${encodeURIComponent(token)}`;
    const draft = stages?.includes('draft') ? { draft_url: `${url}&stage=draft` } : {};
    return c.json({ ok: true, room, token, url, stages: stages?.includes('draft') ? ['live', 'draft'] : ['live'], ...draft });
  });

  app.post('/api/rooms/:room/rotate-tokens', streamer, async (c) => {
    const room = roomName(c);
    const epoch = await services.viewTokens.rotate(room);
    // Here and on every other instance; `overlays_closed` counts this instance's.
    const local = services.overlays.peek(room);
    const closed = local?.closeOverlaysEverywhere(CloseCode.tokenRevoked, 'view token rotated') ?? 0;
    if (!local) services.bus?.toRoom(room, { kind: 'close', role: 'overlay', code: CloseCode.tokenRevoked, reason: 'view token rotated' });
    // The room's Janus room ends with the old tokens (it is created again on the next offer).
    await services.sfu?.rotated(room);
    await audit(services, room, { action: 'tokens.rotated', epoch, overlays_closed: closed });
    return c.json({ ok: true, room, epoch, overlays_closed: closed });
  });

  const overlay = authenticate(services, { allow: ['overlay', 'streamer', 'moderator'], room: (c) => c.req.query('room') ?? DEFAULT_ROOM });
  app.post('/api/overlay/applied', overlay, async (c) => {
    const body = await readValidBody(c, AppliedBody);
    const principal = c.get('principal');
    if (principal.role !== 'streamer' && principal.room !== body.room) {
      throw new AppError(403, 'wrong_room', `this credential is for room "${principal.room}"`);
    }
    // A report for a room not loaded here still counts towards the apply-latency metrics.
    const room = services.overlays.peek(body.room);
    if (room) room.recordApplied(null, body.version, body.server_ts);
    else services.metrics.recordApply(body.server_ts !== undefined ? Date.now() - body.server_ts : NaN);
    return c.json({ ok: true });
  });

  return app;
}
