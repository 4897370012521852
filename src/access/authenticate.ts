/**
 * The one place credentials are read. `authenticate({ allow, room })` returns a middleware
 * that sets `principal` or answers 401/403; the room it checks against comes from the request.
 * Order matters: a streamer-token attempt is counted against the failure limit before the
 * token is compared.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { generateCookie, getCookie } from 'hono/cookie';
import { AppError } from '../errors.ts';
import type { AppEnv } from '../app-env.ts';
import type { Services } from '../services.ts';
import type { Principal, PrincipalRole } from './principal.ts';
import { BUCKETS } from './rate-limit.ts';
import { secretsEqual } from './secrets.ts';
import { crossSiteCookieRequest, originAllowed, ownOrigin } from './origin.ts';
import { STREAMER_SESSION_COOKIE } from './streamer-sessions.ts';
import { sessionGrant } from './sessions.ts';
import { grantOf } from './principal.ts';
import { missingScope, type ScopedAction } from '../protocol/scopes.ts';

export const SESSION_COOKIE = 'so_session';

export interface AuthenticateOptions {
  allow: readonly PrincipalRole[];
  /** The room the request acts on; undefined = no room (streamer-wide routes). */
  room?: (c: Context<AppEnv>) => string | undefined;
  /** Reads are exempt from Origin checks; writes and upgrades are not. */
  write?: boolean;
  /** The scoped action the route performs: a moderator without the scope gets 403 `forbidden`. */
  scope?: ScopedAction['type'];
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
      const origin = c.req.header('origin');
      const viaCookie = c.get('credential') === 'session-cookie' || c.get('credential') === 'streamer-cookie';
      if (!originAllowed(originPolicy(services), origin, own, viaCookie)) {
        throw new AppError(403, 'origin_refused', 'requests from this Origin are not allowed');
      }
      if (crossSiteCookieRequest(c.req.header('sec-fetch-site'), origin, viaCookie)) {
        throw new AppError(403, 'origin_refused', 'a cross-site request (Sec-Fetch-Site) may not use the session cookie');
      }
    }
    if (options.scope !== undefined) requireScope(principal, { type: options.scope });
    c.set('principal', principal);
    // Most requests carry no such cookie: no store read and no await for them.
    const unused = unusedSessionCookie(c);
    const clearCookie = unused !== undefined && !(await services.sessions.isLive(unused));
    if (clearCookie) clearSessionCookie(c);
    await next();
    // A socket's 101 answer is built outside the context, without the header set above.
    if (clearCookie && !c.res.headers.getSetCookie().includes(CLEARED_SESSION_COOKIE)) c.res.headers.append('Set-Cookie', CLEARED_SESSION_COOKIE);
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
    const right = await services.limiter.guardSecret(BUCKETS.streamerAuthFailure, clientIpOf(c), () => secretsEqual(streamerToken, services.config.STREAMER_API_TOKEN));
    if (!right) {
      throw new AppError(401, 'invalid_streamer_token', 'x-streamer-token is wrong');
    }
    c.set('credential', 'streamer-token');
    return { role: 'streamer', label: 'streamer' };
  }

  // What the request names explicitly (a header or the URL) wins over the ambient cookie: OBS
  // keeps one cookie store for its overlays and docks, so an overlay URL with a good token
  // must not be refused for a stale or other-room panel cookie the browser also sends.
  const explicit = await explicitCredential(services, c, allows);
  if (explicit) return explicit;

  const streamerCookie = getCookie(c, STREAMER_SESSION_COOKIE);
  if (streamerCookie && allows('streamer')) {
    if (await services.streamerSessions.resolve(streamerCookie)) {
      c.set('credential', 'streamer-cookie');
      return { role: 'streamer', label: 'streamer' };
    }
    // An expired dashboard cookie must not hide a live moderator cookie in the same browser.
    if (!allows('moderator') || !getCookie(c, SESSION_COOKIE)) throw new AppError(401, 'invalid_streamer_session', 'the streamer session is unknown, ended or expired; sign in again');
  }

  const cookie = getCookie(c, SESSION_COOKIE);
  if (cookie && allows('moderator')) {
    const record = await services.sessions.resolve(cookie);
    if (!record) {
      clearSessionCookie(c);
      throw new AppError(401, 'invalid_session', 'the moderator session is unknown, ended or expired');
    }
    c.set('credential', 'session-cookie');
    return { role: 'moderator', label: record.label, room: record.room, sessionId: record.id, grant: sessionGrant(record) };
  }

  throw new AppError(401, 'unauthenticated', `credentials required (${describe(allows)})`);
}

/** A session from `Authorization: Bearer` or `?session=`, or a view token from `?token=`; null when none applies. */
async function explicitCredential(services: Services, c: Context<AppEnv>, allows: (role: PrincipalRole) => boolean): Promise<Principal | null> {
  const session = explicitSession(c);
  if (session && allows('moderator')) {
    const record = await services.sessions.resolve(session.secret);
    if (!record) throw new AppError(401, 'invalid_session', 'the moderator session is unknown, ended or expired');
    c.set('credential', session.via);
    return { role: 'moderator', label: record.label, room: record.room, sessionId: record.id, grant: sessionGrant(record) };
  }

  const viewToken = c.req.query('token');
  if (viewToken && allows('overlay')) {
    const view = await services.viewTokens.identify(viewToken);
    if (!view) throw new AppError(401, 'invalid_view_token', 'the view token is invalid or was rotated');
    c.set('credential', 'view-token');
    return { role: 'overlay', label: 'overlay', room: view.room, stages: view.stages };
  }
  return null;
}

function explicitSession(c: Context<AppEnv>): { secret: string; via: 'session-bearer' | 'session-query' } | null {
  const bearer = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1];
  if (bearer) return { secret: bearer, via: 'session-bearer' };
  const query = c.req.query('session');
  if (query) return { secret: query, via: 'session-query' };
  return null;
}

/**
 * A moderator cookie the request did not authenticate with: when it no longer names a live
 * session it is cleared, so the browser stops sending it; a live one (the panel's, perhaps of
 * another room) is left alone.
 */
function unusedSessionCookie(c: Context<AppEnv>): string | undefined {
  return c.get('credential') === 'session-cookie' ? undefined : getCookie(c, SESSION_COOKIE);
}

/** The address the failure limit keys on; set by app.ts only on the paths that may use it. */
function clientIpOf(c: Context<AppEnv>): string {
  const address = c.get('clientIp');
  // Loud, never keyed on "undefined": one shared counter for every client would lock all out.
  if (address === undefined) throw new Error(`no client address on ${c.req.path}: add the path to CLIENT_ADDRESS_PATHS (src/app.ts)`);
  return address;
}

const CLEARED_SESSION_COOKIE = generateCookie(SESSION_COOKIE, '', { path: '/', maxAge: 0 });

export function clearSessionCookie(c: Context): void {
  c.header('Set-Cookie', CLEARED_SESSION_COOKIE, { append: true });
}

function describe(allows: (role: PrincipalRole) => boolean): string {
  const ways: string[] = [];
  if (allows('streamer')) ways.push('x-streamer-token');
  if (allows('moderator')) ways.push('a moderator session');
  if (allows('overlay')) ways.push('a view token');
  return ways.join(' or ');
}

/** 403 `{error: {code: 'forbidden', scope, message}}` when the principal may not do `action`. */
export function requireScope(principal: Principal, action: ScopedAction, item?: { id: string; name?: string }): void {
  const refusal = missingScope(grantOf(principal), action, item);
  if (refusal) throw new AppError(403, 'forbidden', refusal.message, { details: { scope: refusal.scope } });
}
