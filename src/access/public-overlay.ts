/**
 * PUBLIC_OVERLAY_ROOMS: OBS sources set up with the FastAPI version's bare URL
 * (`http://host:13337/`, `/preview`) carry no view token. For the rooms listed, a request
 * that names no credential is let in as a read-only overlay of that room; everything else
 * goes through `authenticate` as usual. Routes opt in one by one (the overlay socket and
 * GET /api/scene), so nothing else opens.
 */
import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv } from '../app-env.ts';
import type { Services } from '../services.ts';
import { AppError } from '../errors.ts';
import { originAllowed, ownOrigin } from './origin.ts';

export const PUBLIC_OVERLAY_LABEL = 'public overlay';

export function orPublicOverlay(services: Services, room: (c: Context<AppEnv>) => string, authenticated: MiddlewareHandler<AppEnv>): MiddlewareHandler<AppEnv> {
  const rooms = new Set(services.config.PUBLIC_OVERLAY_ROOMS);
  if (rooms.size === 0) return authenticated;
  const { config } = services;
  const policy = { strict: config.ENABLE_STRICT_ORIGIN, allowed: config.ALLOWED_ORIGINS, publicBaseUrl: config.PUBLIC_BASE_URL };

  return async function publicOverlay(c, next) {
    // A credential the request names is checked as always; a cookie alone is not one here: OBS
    // keeps the panel's old session cookie for its browser sources.
    if (namesCredential(c) || !rooms.has(room(c))) return authenticated(c, next);
    if (c.req.header('upgrade')?.toLowerCase() === 'websocket') {
      const own = ownOrigin(policy, c.req.url, c.req.header('host'), c.req.header('x-forwarded-proto'));
      if (!originAllowed(policy, c.req.header('origin'), own, false)) throw new AppError(403, 'origin_refused', 'requests from this Origin are not allowed');
    }
    c.set('principal', { role: 'overlay', label: PUBLIC_OVERLAY_LABEL, room: room(c) });
    c.set('credential', 'public-room');
    await next();
  };
}

function namesCredential(c: Context<AppEnv>): boolean {
  return (
    c.req.header('x-streamer-token') !== undefined ||
    c.req.header('authorization') !== undefined ||
    c.req.query('token') !== undefined ||
    c.req.query('session') !== undefined
  );
}
