/**
 * A caller's view of its own session. The panel's session cookie is httpOnly, so a reloaded
 * panel cannot read it: it asks here whether it is still logged in, and logs out here.
 *
 *   GET  /api/moderator-session         → {ok, role, label, room, session_id?, expires_at?}
 *   POST /api/moderator-session/logout  ends the caller's own session and clears the cookie
 */
import { Hono } from 'hono';
import { deleteCookie } from 'hono/cookie';
import type { AppEnv } from '../app-env.ts';
import type { Services } from '../services.ts';
import { authenticate, SESSION_COOKIE } from '../access/authenticate.ts';
import { audit } from '../store/audit.ts';
import { closeSessionSockets } from '../http/session-sockets.ts';

export function moderatorSelfRoutes(services: Services) {
  const app = new Hono<AppEnv>();
  const read = authenticate(services, { allow: ['moderator', 'streamer'] });
  const write = authenticate(services, { allow: ['moderator', 'streamer'], write: true });

  app.get('/api/moderator-session', read, async (c) => {
    const principal = c.get('principal');
    if (principal.role !== 'moderator') return c.json({ ok: true, role: principal.role, label: principal.label, room: null });
    // authenticate already resolved (and slid) the session; this read only adds its expiry.
    const record = await services.sessions.get(principal.sessionId);
    return c.json({
      ok: true,
      role: principal.role,
      label: principal.label,
      room: principal.room,
      session_id: principal.sessionId,
      ...(record ? { expires_at: new Date(record.expires).toISOString() } : {}),
    });
  });

  app.post('/api/moderator-session/logout', write, async (c) => {
    const principal = c.get('principal');
    if (principal.role === 'moderator') {
      const record = await services.sessions.end(principal.sessionId);
      // Other tabs of this session lose access too, exactly as when the streamer ends it.
      closeSessionSockets(services, principal.sessionId, 'logged out');
      if (record) await audit(services, record.room, { action: 'session.logout', session_id: record.id }, record.label);
    }
    deleteCookie(c, SESSION_COOKIE, { path: '/' });
    return c.json({ ok: true });
  });

  return app;
}
