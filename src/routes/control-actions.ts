/**
 * Plain HTTP actions for control surfaces (Companion "Generic HTTP" buttons, scripts, bots).
 * Stable URLs per item, by id or by name; each answers `{ok, version}` once the change is
 * committed. Accepts control tokens (control-auth.ts) as well as streamer and moderator
 * credentials; every action is checked against the caller's scopes. GET is refused unless
 * CONTROL_ALLOW_GET=true, and then only with a control token (a GET link with a cookie would
 * be a cross-site request forgery).
 *
 *   POST /api/rooms/:room/items/:id/show|hide|toggle      POST /api/rooms/:room/items/:id  (patch body)
 *   POST /api/rooms/:room/items/:id/cue/:action           POST /api/rooms/:room/timers/:id/:action
 *   …/items/by-name/:name/…, …/timers/by-name/:name/…     POST /api/rooms/:room/obs/scene/:name
 *   POST /api/rooms/:room/obs/replay/save                 POST /api/rooms/:room/overlays/reload {overlay_id?}
 *   POST /api/rooms/:room/tts/speak                       POST /api/rooms/:room/presets/:name/take, POST /api/rooms/:room/take (control tokens)
 */
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import * as v from 'valibot';
import type { AppEnv } from '../app-env.ts';
import type { Services } from '../services.ts';
import { requireScope } from '../access/authenticate.ts';
import type { ControlTokens } from '../access/control-tokens.ts';
import { opRefusal } from '../../rooms/op-scopes.ts';
import { BUCKETS } from '../access/rate-limit.ts';
import { readBody, readValidBody, validBody } from '../http/body.ts';
import { SceneOp } from '../protocol/messages.ts';
import { CueActionSchema, TimerActionSchema } from '../protocol/playback.ts';
import { PresetName } from '../protocol/presets.ts';
import { TtsSpeakBody } from '../protocol/tts.ts';
import type { Item } from '../protocol/scene.ts';
import { AppError, badRequest } from '../errors.ts';
import { controlAuth, controlTokenOf, refuseGetUnlessAllowed } from './control-auth.ts';
import { roomName } from '../http/room-param.ts';
import { resultError } from './scene.ts';
import { speak } from './tts.ts';

type Handler = (c: Context<AppEnv>) => Promise<Response>;
const VERBS = ['show', 'hide', 'toggle'] as const;
const ReloadBody = v.object({ overlay_id: v.optional(v.pipe(v.string('overlay_id must be a string'), v.maxLength(64))) }, 'the body must be an object');

export function controlActionRoutes(services: Services, tokens: ControlTokens) {
  const app = new Hono<AppEnv>();
  const post = controlAuth(services, tokens, { write: true });
  const get = [refuseGetUnlessAllowed(services), onlyControlTokens, post] as const;

  /** POST always; GET only when the server allows it. */
  const action = (path: string, handler: Handler) => {
    app.post(path, post, handler);
    app.get(path, ...get, handler);
  };

  /** The item the URL names: `/items/:id/…` or `/items/by-name/:name/…`. */
  const itemOf = async (c: Context<AppEnv>): Promise<Item> => {
    const room = services.overlays.get(roomName(c));
    await room.ready();
    const items = room.snapshot().scene.items;
    const name = c.req.param('name');
    if (name !== undefined) {
      const named = items.filter((item) => item.name === name);
      if (named.length > 1) throw new AppError(409, 'ambiguous_name', `${named.length} items are named "${name}"; address one by id`);
      if (named[0]) return named[0];
      throw new AppError(404, 'not_found', `no item named "${name}"`);
    }
    const found = items.find((item) => item.id === c.req.param('id'));
    if (!found) throw new AppError(404, 'not_found', `no item with id "${c.req.param('id')}"`);
    return found;
  };

  /** One op through the room's queue, with the same scope check as the socket. */
  const apply = async (c: Context<AppEnv>, raw: unknown, item: Item) => {
    const principal = c.get('principal');
    await services.limiter.hit(BUCKETS.sceneOps, `${roomName(c)}:${principal.sessionId ?? principal.role}`);
    const op = validBody(SceneOp, raw);
    const refusal = opRefusal(principal.grant, op, (id) => (id === item.id ? item : undefined));
    if (refusal) throw new AppError(403, 'forbidden', refusal.message, { details: { scope: refusal.scope } });
    const result = await services.overlays.get(roomName(c)).submit(op, principal.label);
    if (!result.ok) throw resultError(result);
    return c.json({ ok: true, version: result.version });
  };

  for (const base of ['/api/rooms/:room/items/by-name/:name', '/api/rooms/:room/items/:id']) {
    for (const verb of VERBS) {
      action(`${base}/${verb}`, async (c) => {
        const item = await itemOf(c);
        const visible = verb === 'toggle' ? !item.visible : verb === 'show';
        return apply(c, { type: 'patch', id: item.id, changes: { visible } }, item);
      });
    }
    action(`${base}/cue/:action`, async (c) => {
      const item = await itemOf(c);
      return apply(c, { type: 'cue', id: item.id, action: param(CueActionSchema, c.req.param('action'), 'action') }, item);
    });
    app.post(base, post, async (c) => {
      const item = await itemOf(c);
      return apply(c, { type: 'patch', id: item.id, changes: await readBody(c) }, item);
    });
  }

  for (const base of ['/api/rooms/:room/timers/by-name/:name', '/api/rooms/:room/timers/:id']) {
    action(`${base}/:action`, async (c) => {
      const item = await itemOf(c);
      if (item.kind !== 'timer') throw new AppError(409, 'not_a_timer', `item "${item.id}" is a ${item.kind}, not a timer`);
      return apply(c, { type: 'timer', id: item.id, action: param(TimerActionSchema, c.req.param('action'), 'action') }, item);
    });
  }

  action('/api/rooms/:room/obs/scene/:name', async (c) => {
    requireScope(c.get('principal'), { type: 'obs.control' });
    const room = services.overlays.get(roomName(c));
    const outcome = await room.obs.command('scene', c.req.param('name'));
    if (!outcome.ok) throw new AppError(outcome.code === 'obs_permission' ? 403 : 409, outcome.code, outcome.message);
    return c.json({ ok: true, version: room.currentVersion, overlay_id: outcome.overlay_id });
  });

  action('/api/rooms/:room/obs/replay/save', async (c) => {
    requireScope(c.get('principal'), { type: 'obs.control' });
    const room = services.overlays.get(roomName(c));
    const outcome = await room.obs.command('replay.save');
    if (!outcome.ok) throw new AppError(outcome.code === 'obs_permission' ? 403 : 409, outcome.code, outcome.message);
    return c.json({ ok: true, version: room.currentVersion, overlay_id: outcome.overlay_id });
  });

  // `overlay.reload`: the room's overlays (or the one named) reload with a cache-busting URL.
  action('/api/rooms/:room/overlays/reload', async (c) => {
    requireScope(c.get('principal'), { type: 'overlay.reload' });
    const raw = c.req.method === 'POST' && c.req.header('content-type')?.includes('json') ? await readBody(c) : {};
    const overlayId = validBody(ReloadBody, raw).overlay_id ?? c.req.query('overlay_id');
    const room = services.overlays.get(roomName(c));
    const reloaded = room.obs.reload(overlayId);
    if (overlayId !== undefined && reloaded === 0) throw new AppError(404, 'not_found', 'no overlay with that id is connected');
    return c.json({ ok: true, version: room.currentVersion, reloaded });
  });

  app.post('/api/rooms/:room/tts/speak', post, async (c) => {
    requireScope(c.get('principal'), { type: 'tts' });
    await services.limiter.hit(BUCKETS.ttsSpeak, c.get('clientIp'));
    const body = await readValidBody(c, TtsSpeakBody);
    const room = roomName(c);
    const spoken = await speak(services, room, body, c.get('principal').label);
    return c.json({ ok: true, version: services.overlays.peek(room)?.currentVersion ?? 0, id: spoken.id, delivered: spoken.delivered });
  });

  // The presets and draft routes (presets.ts, draft.ts) take streamer and moderator
  // credentials; control tokens (and GET) are taken here, and everything else falls through.
  const tokenOnly = (run: (c: Context<AppEnv>) => Promise<Response>): MiddlewareHandler<AppEnv> => async (c, next) => {
    if (c.req.method === 'POST' && controlTokenOf(c) === undefined) return next();
    await (c.req.method === 'GET' ? runAll([...get], c) : runAll([post], c));
    return run(c);
  };
  const presetTake = tokenOnly(async (c) => {
    requireScope(c.get('principal'), { type: 'preset.take' });
    const name = param(PresetName, c.req.param('name'), 'name');
    const result = await services.production.takePreset(roomName(c), name, c.get('principal').label);
    if (!result.ok) throw resultError(result);
    return c.json({ ok: true, version: result.version, name });
  });
  const draftTake = tokenOnly(async (c) => {
    requireScope(c.get('principal'), { type: 'take' });
    const result = await services.production.take(roomName(c), c.get('principal').label);
    if (!result.ok) throw resultError(result);
    return c.json({ ok: true, version: result.version });
  });
  for (const [path, handler] of [['/api/rooms/:room/presets/:name/take', presetTake], ['/api/rooms/:room/take', draftTake]] as const) {
    app.post(path, handler);
    app.get(path, handler);
  }

  return app;
}

const onlyControlTokens: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (controlTokenOf(c) === undefined) throw new AppError(405, 'get_not_allowed', 'GET actions take a control token only (?token=ctl_…); send POST with other credentials');
  await next();
};

/** Run middlewares in order as one (they throw to refuse). */
async function runAll(middlewares: MiddlewareHandler<AppEnv>[], c: Context<AppEnv>): Promise<void> {
  for (const middleware of middlewares) {
    let passed = false;
    await middleware(c, async () => {
      passed = true;
    });
    if (!passed) throw new AppError(401, 'unauthenticated', 'credentials required');
  }
}

function param<S extends v.GenericSchema>(schema: S, value: string | undefined, name: string): v.InferOutput<S> {
  const parsed = v.safeParse(schema, value);
  if (!parsed.success) throw badRequest(`bad_${name}`, `${name}: ${parsed.issues[0].message}`);
  return parsed.output;
}
