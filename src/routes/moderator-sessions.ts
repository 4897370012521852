/**
 * The streamer's view of moderator sessions: list them, end one, or end all (panic button).
 * Ending a session closes its sockets (scene and WebRTC) at once with a code that tells the
 * client not to retry, and no WebRTC token it minted verifies any more.
 */
import { Hono } from 'hono';
import type { AppEnv } from '../app-env.ts';
import type { Services } from '../services.ts';
import { authenticate } from '../access/authenticate.ts';
import { AppError } from '../errors.ts';
import { audit } from '../store/audit.ts';
import { closeSessionSockets, countSessionSockets } from '../http/session-sockets.ts';

export function moderatorSessionRoutes(services: Services) {
  const app = new Hono<AppEnv>();
  const streamer = authenticate(services, { allow: ['streamer'] });

  const endSession = async (id: string) => {
    const record = await services.sessions.end(id);
    if (!record) return null;
    closeSessionSockets(services, id, 'session ended by the streamer');
    await audit(services, record.room, { action: 'session.ended', session_id: id, label: record.label });
    return record;
  };

  app.get('/api/moderator-sessions', streamer, async (c) => {
    const sessions = await services.sessions.list();
    return c.json({
      ok: true,
      sessions: sessions.map((s) => ({
        id: s.id,
        label: s.label,
        room: s.room,
        created_at: new Date(s.created).toISOString(),
        last_seen_at: new Date(s.last_seen).toISOString(),
        ...(s.address !== undefined ? { address: s.address } : {}),
        expires_at: new Date(s.expires).toISOString(),
        sockets: countSessionSockets(services, s.id),
      })),
    });
  });

  app.delete('/api/moderator-sessions/:id', streamer, async (c) => {
    const record = await endSession(c.req.param('id'));
    if (!record) throw new AppError(404, 'not_found', 'no active session with that id');
    return c.json({ ok: true, id: record.id });
  });

  app.delete('/api/moderator-sessions', streamer, async (c) => {
    const sessions = await services.sessions.list();
    let ended = 0;
    for (const session of sessions) if (await endSession(session.id)) ended++;
    return c.json({ ok: true, ended });
  });

  return app;
}
