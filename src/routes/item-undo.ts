/**
 * Undo one change to one item:
 *
 *   POST /api/rooms/:room/items/:id/undo {version}   item :id back as it was just before `version`
 *
 * Only that item changes (restored whole, re-added or removed), as ONE new live version,
 * audited `item.undo`. Needs `history.revert`; an `items` filter applies to the item.
 */
import { Hono } from 'hono';
import * as v from 'valibot';
import type { AppEnv } from '../app-env.ts';
import type { Services } from '../services.ts';
import { authenticate, requireScope } from '../access/authenticate.ts';
import { readValidBody } from '../http/body.ts';
import { AppError, badRequest } from '../errors.ts';
import { roomName } from '../http/room-param.ts';
import { ItemId } from '../protocol/scene.ts';
import { planItemUndo } from '../production/item-undo.ts';
import { audit } from '../store/audit.ts';
import { resultError } from './scene.ts';

const UndoBody = v.object({ version: v.pipe(v.number('version must be a number'), v.safeInteger('version must be an integer'), v.minValue(1, 'version must be at least 1')) });

export function itemUndoRoutes(services: Services) {
  const app = new Hono<AppEnv>();
  const write = authenticate(services, { allow: ['streamer', 'moderator'], room: roomName, write: true, scope: 'item.undo' });

  app.post('/api/rooms/:room/items/:id/undo', write, async (c) => {
    const id = v.safeParse(ItemId, c.req.param('id'));
    if (!id.success) throw badRequest('bad_id', id.issues[0].message);
    const body = await readValidBody(c, UndoBody);
    const room = roomName(c);
    const principal = c.get('principal');
    const live = await services.production.room(room);
    const now = live.findItem(id.output);
    const plan = await planItemUndo(services.production.history(room), id.output, body.version, now);
    if (!plan.ok) throw new AppError(plan.status, plan.code, plan.message);
    // The filter holds for the item as it is and as it comes back (a rename must not slip out).
    for (const item of [now, plan.was]) if (item) requireScope(principal, { type: 'item.undo' }, { id: item.id, ...(item.name !== undefined ? { name: item.name } : {}) });
    const result = await live.submit(plan.op, principal.label);
    if (!result.ok) throw resultError(result);
    await audit({ store: services.store, log: services.log }, room, { action: 'item.undo', item: id.output, undone_version: body.version, undone_who: plan.entry.who, restored: plan.restored, version: result.version }, principal.label);
    return c.json({ ok: true, version: result.version, item: id.output, undone_version: body.version, restored: plan.restored });
  });

  return app;
}
