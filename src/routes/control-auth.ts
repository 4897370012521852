/**
 * Who may drive the control surface: a control token (`Authorization: Bearer ctl_…` or
 * `?token=ctl_…`, for button tools that cannot set headers), or the usual streamer and
 * moderator credentials. A control token becomes a moderator-like principal of its room with
 * its own scopes; it is accepted only by the control routes, so it can never issue keys or
 * tokens (those routes take the streamer alone).
 */
import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv } from '../app-env.ts';
import type { Services } from '../services.ts';
import { authenticate } from '../access/authenticate.ts';
import { controlTokenGrant, isControlToken, type ControlTokens } from '../access/control-tokens.ts';
import type { Principal } from '../access/principal.ts';
import { AppError } from '../errors.ts';
import { roomName } from '../http/room-param.ts';

/** The control token the request carries, if any (other bearer secrets are not ours to judge). */
export function controlTokenOf(c: Context<AppEnv>): string | undefined {
  const bearer = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1];
  if (isControlToken(bearer)) return bearer;
  const query = c.req.query('token');
  return isControlToken(query) ? query : undefined;
}

/** The principal a control token stands for, or 401 when it is unknown or revoked. */
export async function controlPrincipal(tokens: ControlTokens, token: string, room: string): Promise<Principal> {
  const record = await tokens.resolve(token);
  if (!record) throw new AppError(401, 'invalid_control_token', 'the control token is unknown or was revoked');
  if (record.room !== room) throw new AppError(403, 'wrong_room', `this control token is for room "${record.room}", not "${room}"`);
  return { role: 'moderator', label: `control:${record.label}`, room: record.room, sessionId: `control:${record.id}`, grant: controlTokenGrant(record) };
}

export function controlAuth(services: Services, tokens: ControlTokens, options: { write: boolean }): MiddlewareHandler<AppEnv> {
  const usual = authenticate(services, { allow: ['streamer', 'moderator'], room: (c) => roomName(c), write: options.write });
  return async (c, next) => {
    const token = controlTokenOf(c);
    if (token === undefined) return usual(c, next);
    c.set('principal', await controlPrincipal(tokens, token, roomName(c)));
    await next();
  };
}

/**
 * Some button tools only send GET. A GET that changes state can be triggered by a link or a
 * prefetch, so it is refused unless the streamer opted in with CONTROL_ALLOW_GET=true.
 */
export function refuseGetUnlessAllowed(services: Services): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (c.req.method === 'GET' && !services.config.CONTROL_ALLOW_GET) {
      throw new AppError(405, 'get_not_allowed', 'this action changes state: send POST (or set CONTROL_ALLOW_GET=true on the server)');
    }
    await next();
  };
}
