/**
 * Scene presets of a room:
 *
 *   GET    /api/rooms/:room/presets             every preset (name, scene for a thumbnail, by, updated_at)
 *   GET    /api/rooms/:room/presets/:name       one preset
 *   PUT    /api/rooms/:room/presets/:name       save the live scene, or `{items}` from the body
 *   POST   /api/rooms/:room/presets/:name/take  make it the live scene (`?stage=draft`: the draft) as ONE version
 *   DELETE /api/rooms/:room/presets/:name
 *
 * Writing needs the scope `presets`; reading any credential of the room's panels.
 */
import { Hono, type Context } from 'hono';
import * as v from 'valibot';
import type { AppEnv } from '../app-env.ts';
import type { Services } from '../services.ts';
import { authenticate } from '../access/authenticate.ts';
import { readValidBody } from '../http/body.ts';
import { AppError, badRequest } from '../errors.ts';
import { PresetName, SavePresetBody, type Preset } from '../protocol/presets.ts';
import { audit } from '../store/audit.ts';
import { roomName } from '../http/room-param.ts';
import { stageOf } from './stage-param.ts';
import { resultError } from './scene.ts';

const PRESET_BODY_LIMIT = 2 * 1024 * 1024;

export function presetRoutes(services: Services) {
  const app = new Hono<AppEnv>();
  const presets = services.production.presets;
  const read = authenticate(services, { allow: ['streamer', 'moderator'], room: roomName });
  const writer = (scope: 'preset.save' | 'preset.delete' | 'preset.take') => authenticate(services, { allow: ['streamer', 'moderator'], room: roomName, write: true, scope });

  app.get('/api/rooms/:room/presets', read, async (c) => {
    return c.json({ ok: true, presets: (await presets.list(roomName(c))).map(describe) });
  });

  app.get('/api/rooms/:room/presets/:name', read, async (c) => {
    const preset = await presets.get(roomName(c), nameOf(c));
    if (!preset) throw new AppError(404, 'not_found', 'no preset with that name');
    return c.json({ ok: true, preset: describe(preset) });
  });

  app.put('/api/rooms/:room/presets/:name', writer('preset.save'), async (c) => {
    const name = nameOf(c);
    const body = await readValidBody(c, SavePresetBody, PRESET_BODY_LIMIT);
    const room = roomName(c);
    const who = c.get('principal').label;
    const saved = await services.production.savePreset(room, name, who, body.items ? { scene: { items: body.items } } : { stage: 'live' });
    if (!saved.ok) throw saved.code === 'too_many_items' ? new AppError(409, 'too_many_presets', saved.message) : resultError(saved);
    const preset = await presets.get(room, name);
    return c.json({ ok: true, created: saved.created, preset: preset && describe(preset) }, saved.created ? 201 : 200);
  });

  app.post('/api/rooms/:room/presets/:name/take', writer('preset.take'), async (c) => {
    const room = roomName(c);
    const name = nameOf(c);
    const result = await services.production.takePreset(room, name, c.get('principal').label, stageOf(c));
    if (!result.ok) throw resultError(result);
    return c.json({ ok: true, version: result.version, name });
  });

  app.delete('/api/rooms/:room/presets/:name', writer('preset.delete'), async (c) => {
    const room = roomName(c);
    const name = nameOf(c);
    if (!(await presets.delete(room, name))) throw new AppError(404, 'not_found', 'no preset with that name');
    await audit(services, room, { action: 'preset.delete', name }, c.get('principal').label);
    return c.json({ ok: true, name });
  });

  return app;
}

function nameOf(c: Context<AppEnv>): string {
  const parsed = v.safeParse(PresetName, c.req.param('name'));
  if (!parsed.success) throw badRequest('bad_name', `name: ${parsed.issues[0].message}`);
  return parsed.output;
}

const describe = (preset: Preset) => ({ name: preset.name, scene: preset.scene, items: preset.scene.items.length, by: preset.by, updated_at: new Date(preset.updated).toISOString() });
