/**
 * A room's shared draft (preview) and Take (program):
 *
 *   GET  /api/rooms/:room/draft        the draft scene and its own version
 *   GET  /api/rooms/:room/diff         what differs between draft and live (what a take changes)
 *   POST /api/rooms/:room/take         the draft becomes the live scene in ONE version (audited with the diff)
 *   POST /api/rooms/:room/draft/reset  live is copied into the draft
 *
 * Draft edits are the scene ops with `stage: 'draft'` (socket or POST …/ops).
 */
import { Hono } from 'hono';
import type { AppEnv } from '../app-env.ts';
import type { Services } from '../services.ts';
import { authenticate } from '../access/authenticate.ts';
import { diffScenes } from '../production/scene-diff.ts';
import { roomName } from '../http/room-param.ts';
import { resultError } from './scene.ts';

export function draftRoutes(services: Services) {
  const app = new Hono<AppEnv>();
  const read = authenticate(services, { allow: ['streamer', 'moderator'], room: roomName });
  const take = authenticate(services, { allow: ['streamer', 'moderator'], room: roomName, write: true, scope: 'take' });
  const reset = authenticate(services, { allow: ['streamer', 'moderator'], room: roomName, write: true, scope: 'draft.reset' });

  app.get('/api/rooms/:room/draft', read, async (c) => {
    const room = roomName(c);
    const draft = await services.production.draftScene(room);
    const live = await services.production.room(room);
    return c.json({ ok: true, room, scene: draft.scene, version: draft.version, live_version: live.currentVersion });
  });

  app.get('/api/rooms/:room/diff', read, async (c) => {
    const room = roomName(c);
    const draft = await services.production.draftScene(room);
    const live = await services.production.room(room);
    const diff = diffScenes(live.snapshot().scene, draft.scene);
    return c.json({
      ok: true,
      room,
      live_version: live.currentVersion,
      draft_version: draft.version,
      added: diff.added,
      removed: diff.removed,
      changed: diff.changed.map(({ before, after }) => ({ id: after.id, live: before, draft: after })),
    });
  });

  app.post('/api/rooms/:room/take', take, async (c) => {
    const result = await services.production.take(roomName(c), c.get('principal').label);
    if (!result.ok) throw resultError(result);
    return c.json({ ok: true, version: result.version });
  });

  app.post('/api/rooms/:room/draft/reset', reset, async (c) => {
    const result = await services.production.resetDraft(roomName(c), c.get('principal').label);
    if (!result.ok) throw resultError(result);
    return c.json({ ok: true, draft_version: result.version });
  });

  return app;
}
