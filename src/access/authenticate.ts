/**
 * The one place credentials are read. `authenticate({ allow, room })` returns a middleware
 * that sets `principal` or answers 401/403; the room it checks against comes from the request.
 * Order matters: the streamer-token failure limit is checked before the token is compared.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { AppError } from '../errors.ts';
import type { AppEnv } from '../app-env.ts';
import type { Services } from '../services.ts';
import type { Principal, PrincipalRole } from './principal.ts';
import { BUCKETS } from './rate-limit.ts';
import { secretsEqual } from './secrets.ts';
import { originAllowed, ownOrigin } from './origin.ts';
import { STREAMER_SESSION_COOKIE } from './streamer-sessions.ts';

export const SESSION_COOKIE = 'so_session';

export interface AuthenticateOptions {
  allow: readonly PrincipalRole[];
  /** The room the request acts on; undefined = no room (streamer-wide routes). */
  room?: (c: Context<AppEnv>) => string | undefined;
  /** Reads are exempt from Origin checks; writes and upgrades are not. */
  write?: boolean;
}

export function authenticate(services: Services, options: AuthenticateOptions): MiddlewareHandler<AppEnv> {
  if (options.allow.length === 0) throw new Error('authenticate: allow at least one role');
  const allows = (role: PrincipalRole) => options.allow.includes(role);

  return async function authenticateRequest(c, next) {
    const principal = await identify(services, c, allows);
    const room = options.room?.(c);
    if (room !== undefined && principal.role !== 'streamer' && principal.room !== room) {
      throw new AppError(403, 'wrong_room', `this credential is for room "${principal.room}", not "${room}"`);
    }
    // A streamer cookie can do everything: every state change it makes gets the CSRF check.
    const streamerCookieWrite = c.get('credential') === 'streamer-cookie' && !['GET', 'HEAD', 'OPTIONS'].includes(c.req.method);
    if (options.write || streamerCookieWrite || c.req.header('upgrade')?.toLowerCase() === 'websocket') {
      const own = ownOrigin(originPolicy(services), c.req.url, c.req.header('host'), c.req.header('x-forwarded-proto'));
      const cookie = c.get('credential') === 'session-cookie' || c.get('credential') === 'streamer-cookie';
      if (!originAllowed(originPolicy(services), c.req.header('origin'), own, cookie)) {
        throw new AppError(403, 'origin_refused', 'requests from this Origin are not allowed');
      }
    }
    c.set('principal', principal);
    await next();
  };
}

const originPolicy = (services: Services) => ({
  strict: services.config.ENABLE_STRICT_ORIGIN,
  allowed: services.config.ALLOWED_ORIGINS,
  publicBaseUrl: services.config.PUBLIC_BASE_URL,
});

async function identify(services: Services, c: Context<AppEnv>, allows: (role: PrincipalRole) => boolean): Promise<Principal> {
  const streamerToken = c.req.header('x-streamer-token');
  if (streamerToken !== undefined) {
    if (!allows('streamer')) throw new AppError(403, 'forbidden', 'the streamer token is not accepted here');
    const client = c.get('clientIp');
    await services.limiter.assertNotExceeded(BUCKETS.streamerAuthFailure, client);
    if (!(await secretsEqual(streamerToken, services.config.STREAMER_API_TOKEN))) {
      await services.limiter.recordFailure(BUCKETS.streamerAuthFailure, client);
      throw new AppError(401, 'invalid_streamer_token', 'x-streamer-token is wrong');
    }
    c.set('credential', 'streamer-token');
    return { role: 'streamer', label: 'streamer' };
  }

  const streamerCookie = getCookie(c, STREAMER_SESSION_COOKIE);
  if (streamerCookie && allows('streamer') && !explicitCredential(c)) {
    if (await services.streamerSessions.resolve(streamerCookie)) {
      c.set('credential', 'streamer-cookie');
      return { role: 'streamer', label: 'streamer' };
    }
    // An expired dashboard cookie must not hide a live moderator cookie in the same browser.
    if (!allows('moderator') || !getCookie(c, SESSION_COOKIE)) throw new AppError(401, 'invalid_streamer_session', 'the streamer session is unknown, ended or expired; sign in again');
  }

  const session = sessionSecret(c);
  if (session && allows('moderator')) {
    const record = await services.sessions.resolve(session.secret);
    if (!record) throw new AppError(401, 'invalid_session', 'the moderator session is unknown, ended or expired');
    c.set('credential', session.via);
    return { role: 'moderator', label: record.label, room: record.room, sessionId: record.id };
  }

  const viewToken = c.req.query('token');
  if (viewToken && allows('overlay')) {
    const room = await services.viewTokens.verify(viewToken);
    if (!room) throw new AppError(401, 'invalid_view_token', 'the view token is invalid or was rotated');
    c.set('credential', 'view-token');
    return { role: 'overlay', label: 'overlay', room };
  }

  throw new AppError(401, 'unauthenticated', `credentials required (${describe(allows)})`);
}

function sessionSecret(c: Context<AppEnv>): { secret: string; via: 'session-cookie' | 'session-bearer' | 'session-query' } | null {
  const bearer = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1];
  if (bearer) return { secret: bearer, via: 'session-bearer' };
  const query = c.req.query('session');
  if (query) return { secret: query, via: 'session-query' };
  const cookie = getCookie(c, SESSION_COOKIE);
  if (cookie) return { secret: cookie, via: 'session-cookie' };
  return null;
}

/** A credential named on the request itself (a bearer, `?session=`, an overlay's `?token=`) beats any cookie. */
const explicitCredential = (c: Context<AppEnv>) =>
  /^Bearer\s+\S+$/i.test(c.req.header('authorization') ?? '') || Boolean(c.req.query('session')) || Boolean(c.req.query('token'));

function describe(allows: (role: PrincipalRole) => boolean): string {
  const ways: string[] = [];
  if (allows('streamer')) ways.push('x-streamer-token');
  if (allows('moderator')) ways.push('a moderator session');
  if (allows('overlay')) ways.push('a view token');
  return ways.join(' or ');
}
