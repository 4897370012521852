/**
 * WebRTC: tokens, ICE configuration (STUN + TURN REST credentials), room stats and the two
 * signaling sockets. Tokens are checked here, before the room; a SignalingRoom receives only
 * connections that already carry their role (publisher or viewer).
 *
 *   POST /api/webrtc/token           streamer, or a moderator for its room → a token
 *   POST /api/webrtc/token/refresh   a still-valid WebRTC token or a view token → a fresh one
 *   GET  /api/webrtc/config?token=   ICE servers; TURN credentials only with a valid token
 *   GET  /api/webrtc/rooms/:room/stats          streamer, or a moderator of the room
 *   WS   /ws/webrtc/:room/publisher?token=  and  /ws/webrtc/:room/viewer?token=
 */
import { Hono, type Context } from 'hono';
import * as v from 'valibot';
import type { AppEnv } from '../app-env.ts';
import type { Services } from '../services.ts';
import type { Connection } from '../../rooms/connection.ts';
import type { SignalingRoom } from '../../rooms/signaling-room.ts';
import { authenticate } from '../access/authenticate.ts';
import { mayActOnRoom } from '../access/principal.ts';
import { BUCKETS } from '../access/rate-limit.ts';
import { originAllowed, ownOrigin } from '../access/origin.ts';
import { WebrtcTokens, type WebrtcGrant, type WebrtcOrigin } from '../access/webrtc-tokens.ts';
import { readValidBody } from '../http/body.ts';
import { AppError } from '../errors.ts';
import { CloseCode } from '../protocol/constants.ts';
import { RoomId } from '../protocol/scene.ts';
import { WebrtcRole, type WebrtcTokenResponse } from '../protocol/signaling.ts';
import { iceServers, type IceSettings } from '../webrtc/ice-servers.ts';
import { DEFAULT_ROOM, roomName } from '../http/room-param.ts';
import { publicBaseUrl } from '../http/public-url.ts';
import { frameText, toConnection } from '../http/ws-connection.ts';
import { webrtcStatsRoutes } from './webrtc-stats.ts';

/** Forms send numbers as text; both are accepted. */
const Seconds = v.pipe(
  v.union([v.number(), v.pipe(v.string(), v.trim(), v.regex(/^\d{1,9}$/, 'ttl must be a whole number of seconds'), v.transform(Number))], 'ttl must be a number of seconds'),
  v.integer('ttl must be a whole number of seconds'),
  v.minValue(2, 'ttl must be at least 2 seconds'),
);
const TokenBody = v.object({ room: v.optional(RoomId, DEFAULT_ROOM), role: v.optional(WebrtcRole, 'viewer'), ttl: v.optional(Seconds) });
const RefreshBody = v.object({
  token: v.pipe(v.string('token must be a string'), v.minLength(1, 'token is required'), v.maxLength(4096)),
  /** Only with a view token: the room to watch, which must be the view token's room. */
  room: v.optional(RoomId),
});

export function webrtcRoutes(services: Services) {
  const app = new Hono<AppEnv>();
  const { config } = services;
  const tokens = new WebrtcTokens(services.signer, services.viewTokens, services.sessions);
  const ice: IceSettings = {
    stunUrls: config.WEBRTC_STUN_URL,
    turnUrls: config.WEBRTC_TURN_URL,
    turnSecret: config.WEBRTC_TURN_SECRET,
    turnUsername: config.WEBRTC_TURN_USERNAME,
    turnCredential: config.WEBRTC_TURN_CREDENTIAL,
    turnTtlSeconds: config.WEBRTC_TURN_TTL_SECONDS,
  };
  const capTtl = (ttl: number | undefined) => Math.min(ttl ?? config.WEBRTC_TOKEN_TTL_SECONDS, config.WEBRTC_TOKEN_MAX_TTL_SECONDS);

  const answer = async (c: Context<AppEnv>, room: string, role: WebrtcGrant['role'], ttl: number, origin: WebrtcOrigin): Promise<WebrtcTokenResponse> => {
    const { token, grant } = await tokens.issue(room, role, ttl, origin);
    const base = publicBaseUrl(services, c);
    const query = new URLSearchParams(role === 'publisher' ? { room, token } : { webrtc_room: room, webrtc_token: token });
    return {
      ok: true,
      room,
      role,
      ttl: grant.ttl,
      expires_at: grant.expiresAt,
      token,
      ws_url: `${base.replace(/^http/, 'ws')}/ws/webrtc/${encodeURIComponent(room)}/${role}?token=${encodeURIComponent(token)}`,
      page_url: `${base}/${role === 'publisher' ? 'publish' : 'preview'}?${query}`,
    };
  };

  app.post('/api/webrtc/token', authenticate(services, { allow: ['streamer', 'moderator'], write: true }), async (c) => {
    await services.limiter.hit(BUCKETS.webrtcToken, c.get('clientIp'));
    const body = await readValidBody(c, TokenBody);
    const principal = c.get('principal');
    if (!mayActOnRoom(principal, body.room)) {
      throw new AppError(403, 'wrong_room', `this credential is for room "${principal.room}", not "${body.room}"`);
    }
    return c.json(await answer(c, body.room, body.role, capTtl(body.ttl), { sessionId: principal.sessionId }));
  });

  // No session or streamer token here: the page that holds the token is the credential.
  app.post('/api/webrtc/token/refresh', async (c) => {
    await services.limiter.hit(BUCKETS.webrtcToken, c.get('clientIp'));
    const body = await readValidBody(c, RefreshBody);
    const grant = await tokens.verify(body.token);
    if (grant) {
      if (body.room !== undefined && body.room !== grant.room) throw new AppError(403, 'wrong_room', `this token is for room "${grant.room}"`);
      return c.json(await answer(c, grant.room, grant.role, capTtl(grant.ttl), grant));
    }
    // An overlay's long-lived view token may always get a viewer token for its own room, so a
    // webrtc item in an OBS scene keeps working after days without anyone re-issuing tokens.
    const view = await services.viewTokens.identify(body.token);
    if (view) {
      const room = body.room ?? view.room;
      if (room !== view.room) throw new AppError(403, 'wrong_room', `this view token is for room "${view.room}", not "${room}"`);
      // However many times it is traded, it stays one grant: viewer slots are counted by it.
      return c.json(await answer(c, room, 'viewer', capTtl(undefined), { grantId: `view:${view.id}` }));
    }
    throw new AppError(401, 'invalid_token', 'the token is invalid, expired or was rotated; ask for a new one');
  });

  app.get('/api/webrtc/config', async (c) => {
    const token = c.req.query('token');
    let room: string | null = null;
    if (token) {
      room = (await tokens.verify(token))?.room ?? (await services.viewTokens.verify(token));
      if (!room) throw new AppError(401, 'invalid_token', 'the token is invalid, expired or was rotated; without a token only STUN is offered');
    }
    c.header('Cache-Control', 'no-store');
    return c.json(await iceServers(ice, room));
  });

  app.route('/', webrtcStatsRoutes(services));

  app.get('/ws/webrtc/:room/:role{publisher|viewer}', async (c, next) => {
    const room = roomName(c.req.param('room'));
    const role = c.req.param('role') as WebrtcGrant['role'];
    const token = c.req.query('token');
    if (!token) throw new AppError(401, 'unauthenticated', 'a WebRTC token is required (?token=)');
    const grant = await tokens.verify(token);
    if (!grant) throw new AppError(401, 'invalid_webrtc_token', 'the WebRTC token is invalid, expired or was rotated, or its moderator session ended');
    if (grant.role !== role) throw new AppError(403, 'wrong_role', `this is a ${grant.role} token, not a ${role} token`);
    if (grant.room !== room) throw new AppError(403, 'wrong_room', `this token is for room "${grant.room}", not "${room}"`);
    const policy = { strict: config.ENABLE_STRICT_ORIGIN, allowed: config.ALLOWED_ORIGINS, publicBaseUrl: config.PUBLIC_BASE_URL };
    const own = ownOrigin(policy, c.req.url, c.req.header('host'), c.req.header('x-forwarded-proto'));
    if (!originAllowed(policy, c.req.header('origin'), own, false)) throw new AppError(403, 'origin_refused', 'requests from this Origin are not allowed');

    const admission = { grantId: grant.grantId, address: c.get('clientIp') };
    const sessionId = grant.sessionId;

    return services.upgradeWebSocket(() => {
      let conn: Connection | null = null;
      let target: SignalingRoom | null = null;
      return {
        onOpen(_event, ws) {
          // Looked up at open, not at upgrade: the registry may have dropped an idle room since.
          const signalingRoom = services.signaling.get(room);
          const opened = toConnection(ws, { id: crypto.randomUUID(), role, label: role, sessionId });
          [target, conn] = [signalingRoom, opened];
          signalingRoom.connect(opened, admission);
          // The session may have ended between the upgrade's check and now, while closing its
          // sockets could not find this one yet: look once more.
          if (sessionId) {
            tokens.sessionLive(sessionId).then(
              (live) => live || signalingRoom.closeWhere((other) => other.id === opened.id, CloseCode.sessionRevoked, 'session ended'),
              () => undefined,
            );
          }
        },
        onMessage(event) {
          if (conn && target) target.receive(conn, frameText(event.data));
        },
        onClose() {
          if (conn && target) target.disconnect(conn);
        },
        onError() {
          if (conn && target) target.disconnect(conn);
        },
      };
    })(c, next);
  });

  return app;
}
