/**
 * The dashboard's sign-in. The streamer token (sent once, as the usual `x-streamer-token`
 * header, so it is refused and rate limited exactly like everywhere else) or a one-time admin
 * link is traded for an HttpOnly streamer session cookie; the token itself is never stored.
 *
 *   POST   /api/streamer-session              x-streamer-token, or {login} from /dashboard?login=
 *   GET    /api/streamer-session              who am I, plus where the server can be reached
 *   DELETE /api/streamer-session[?all=true]   sign out (everywhere: every streamer session)
 */
import { Hono, type Context } from 'hono';
import { deleteCookie, getCookie } from 'hono/cookie';
import * as v from 'valibot';
import type { AppEnv } from '../app-env.ts';
import type { Services } from '../services.ts';
import { authenticate } from '../access/authenticate.ts';
import { BUCKETS } from '../access/rate-limit.ts';
import { STREAMER_SESSION_COOKIE, type StreamerSessionRecord } from '../access/streamer-sessions.ts';
import { readBody } from '../http/body.ts';
import { AppError } from '../errors.ts';
import { audit } from '../store/audit.ts';
import { publicBaseUrl } from '../http/public-url.ts';
import { DEFAULT_ROOM } from '../http/room-param.ts';
import { isLoopbackHost } from '../create-services.ts';
import { setSessionCookie } from '../http/session-cookie.ts';

/** Sign-ins are not about one room; they are logged with the default room's audit. */
export const ACCOUNT_AUDIT_ROOM = DEFAULT_ROOM;

const LoginBody = v.object({ login: v.pipe(v.string('login is required'), v.minLength(1, 'login is required'), v.maxLength(200)) });

export function streamerSessionRoutes(services: Services) {
  const app = new Hono<AppEnv>();
  const streamer = authenticate(services, { allow: ['streamer'] });
  const streamerWrite = authenticate(services, { allow: ['streamer'], write: true });

  const openSession = async (c: Context<AppEnv>, via: StreamerSessionRecord['via']) => {
    const { secret, record } = await services.streamerSessions.create({ via, address: c.get('clientIp') });
    setSessionCookie(services, c, STREAMER_SESSION_COOKIE, secret, record.absolute_expires);
    await audit(services, ACCOUNT_AUDIT_ROOM, { action: 'streamer.signed_in', via, session_id: record.id, address: record.address });
    return c.json({ ok: true, session_id: record.id, via, expires_at: new Date(record.expires).toISOString() });
  };

  app.post('/api/streamer-session', async (c) => {
    if (c.req.header('x-streamer-token') !== undefined) {
      // The same check as every streamer route (limit first, constant-time compare); throws when refused.
      await streamerWrite(c, async () => {});
      return openSession(c, 'token');
    }
    // A wrong admin link is a failed streamer sign-in: counted first, with the token's tries.
    // Counted before the body is judged, so a malformed guess costs a try like a wrong one.
    const body = v.safeParse(LoginBody, await readBody(c));
    const redeemed = await services.limiter.guardSecret(BUCKETS.streamerAuthFailure, c.get('clientIp'), async () => body.success && (await services.adminLinks.redeem(body.output.login)));
    if (!redeemed) {
      throw new AppError(401, 'invalid_admin_link', 'the admin link is invalid, already used, or expired; sign in with the streamer token');
    }
    return openSession(c, 'admin-link');
  });

  app.get('/api/streamer-session', streamer, async (c) => {
    const session = await ownSession(services, c);
    const host = services.config.HOST;
    return c.json({
      ok: true,
      role: 'streamer',
      credential: c.get('credential'),
      ...(session ? { session_id: session.id, via: session.via, expires_at: new Date(session.expires).toISOString() } : {}),
      reachability: {
        listen_host: host,
        loopback_only: isLoopbackHost(host),
        public_base_url: services.config.PUBLIC_BASE_URL || null,
        base_url: publicBaseUrl(services, c),
      },
      limits: { moderator_key_ttl_seconds: services.config.MODERATOR_KEY_TTL_SECONDS },
    });
  });

  app.delete('/api/streamer-session', streamer, async (c) => {
    let ended = 0;
    if (c.req.query('all') === 'true') {
      ended = await services.streamerSessions.endAll();
      await audit(services, ACCOUNT_AUDIT_ROOM, { action: 'streamer.signed_out_everywhere', ended });
    } else {
      const session = await ownSession(services, c);
      if (session && (await services.streamerSessions.end(session.id))) {
        ended = 1;
        await audit(services, ACCOUNT_AUDIT_ROOM, { action: 'streamer.signed_out', session_id: session.id });
      }
    }
    deleteCookie(c, STREAMER_SESSION_COOKIE, { path: '/' });
    return c.json({ ok: true, ended });
  });

  return app;
}

/** The streamer session behind this request's cookie, if that is how it signed in. */
async function ownSession(services: Services, c: Context<AppEnv>): Promise<StreamerSessionRecord | null> {
  const secret = getCookie(c, STREAMER_SESSION_COOKIE);
  if (c.get('credential') !== 'streamer-cookie' || !secret) return null;
  return services.streamerSessions.resolve(secret);
}
