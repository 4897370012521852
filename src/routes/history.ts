/**
 * A room's scene history and revert:
 *
 *   GET  /api/rooms/:room/history?limit=&before=&item=  versions newest first: time, who, one-line summary
 *                                                  (`item`: only the versions that changed that item)
 *   GET  /api/rooms/:room/history/:version        the scene exactly as that version left it
 *   POST /api/rooms/:room/revert {version}        make that scene live again as a NEW version (audited)
 *   POST /api/rooms/:room/items/:id/undo {version} see item-undo.ts
 */
import { Hono } from 'hono';
import * as v from 'valibot';
import type { AppEnv } from '../app-env.ts';
import type { Services } from '../services.ts';
import { authenticate } from '../access/authenticate.ts';
import { readValidBody } from '../http/body.ts';
import { AppError, badRequest } from '../errors.ts';
import type { HistoryEntry } from '../store/scene-history.ts';
import { roomName } from '../http/room-param.ts';
import { resultError } from './scene.ts';
import { itemUndoRoutes } from './item-undo.ts';
import { changesToItem } from '../production/item-undo.ts';
import { ItemId } from '../protocol/scene.ts';

export const MAX_HISTORY_PAGE = 200;
const Count = (name: string, min: number, max: number) =>
  v.pipe(v.string(), v.regex(/^\d{1,9}$/, `${name} must be a whole number`), v.transform(Number), v.minValue(min, `${name} must be at least ${min}`), v.maxValue(max, `${name} must be at most ${max}`));
const ListQuery = v.object({ limit: v.optional(Count('limit', 1, MAX_HISTORY_PAGE), '50'), before: v.optional(Count('before', 1, Number.MAX_SAFE_INTEGER)), item: v.optional(ItemId) });
const RevertBody = v.object({ version: v.pipe(v.number('version must be a number'), v.safeInteger('version must be an integer'), v.minValue(1, 'version must be at least 1')) });

export function historyRoutes(services: Services) {
  const app = new Hono<AppEnv>();
  const read = authenticate(services, { allow: ['streamer', 'moderator'], room: roomName });
  const revert = authenticate(services, { allow: ['streamer', 'moderator'], room: roomName, write: true, scope: 'revert' });

  app.get('/api/rooms/:room/history', read, async (c) => {
    const query = v.safeParse(ListQuery, c.req.query());
    if (!query.success) throw badRequest('bad_query', query.issues[0].message);
    const room = roomName(c);
    await services.production.room(room);
    const { limit, before, item } = query.output;
    const history = services.production.history(room);
    const entries = item === undefined ? await history.list({ limit, before }) : await changesToItem(history, item, { limit, before });
    return c.json({ ok: true, room, entries: entries.map(describe) });
  });

  app.get('/api/rooms/:room/history/:version', read, async (c) => {
    const version = c.req.param('version');
    if (!/^\d{1,15}$/.test(version)) throw badRequest('bad_version', 'version must be a whole number');
    const found = await services.production.history(roomName(c)).sceneAt(Number(version));
    if (!found) throw new AppError(404, 'not_found', `version ${version} is not in the kept history`);
    return c.json({ ok: true, ...describe(found.entry), scene: found.scene });
  });

  app.post('/api/rooms/:room/revert', revert, async (c) => {
    const body = await readValidBody(c, RevertBody);
    const result = await services.production.revert(roomName(c), body.version, c.get('principal').label);
    if (!result.ok) throw resultError(result);
    return c.json({ ok: true, version: result.version, reverted_to: body.version });
  });

  app.route('/', itemUndoRoutes(services));
  return app;
}

/** An entry as scripts and the panel read it: the ids it touched instead of whole items. */
function describe(entry: HistoryEntry) {
  const items = [...new Set(entry.ops.flatMap((op) => (op.op === 'upsert' ? [op.item.id] : op.op === 'remove' ? [op.id] : [])))];
  return { version: entry.version, at: new Date(entry.ts).toISOString(), who: entry.who, summary: entry.summary, items, cleared: entry.ops.some((op) => op.op === 'clear') };
}
