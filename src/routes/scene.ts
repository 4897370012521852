/**
 * Scene over HTTP, for streamers' scripts and the FastAPI version's panel: read, replace (with a stale
 * check so a newer scene is never overwritten), and apply ops through the room's queue.
 */
import { Hono, type Context } from 'hono';
import * as v from 'valibot';
import type { AppEnv } from '../app-env.ts';
import type { Services } from '../services.ts';
import { authenticate, requireScope } from '../access/authenticate.ts';
import { opRefusal } from '../../rooms/op-scopes.ts';
import { readBody, readValidBody, validBody } from '../http/body.ts';
import { Scene, normaliseSceneAliases } from '../protocol/scene.ts';
import { SceneOp } from '../protocol/messages.ts';
import { AppError } from '../errors.ts';
import { BUCKETS } from '../access/rate-limit.ts';
import type { OpResult } from '../../rooms/overlay-room.ts';
import { roomName } from '../http/room-param.ts';
import { orPublicOverlay } from '../access/public-overlay.ts';
import { SceneJsonCache } from './scene-json-cache.ts';
import { JSON_TYPE } from '../http/json-type.ts';

// Only numbers and numeric text: Number() of a deeply nested array overflows the stack (a 500).
const KnownVersion = v.optional(v.pipe(v.union([v.number(), v.string()]), v.transform(Number), v.number(), v.safeInteger(), v.minValue(0)));
const PutSceneBody = v.pipe(
  v.unknown(),
  v.transform(normaliseSceneAliases),
  v.object({
    items: Scene.entries.items,
    // valibot's object() lets an array through; `_meta: []` must not skip the stale-version check.
    _meta: v.optional(
      v.pipe(v.unknown(), v.check((x) => !Array.isArray(x), '_meta must be an object'), v.object({ known_version: KnownVersion, client_ts: v.optional(v.number()) })),
    ),
  }),
);
const OpsBatch = v.object({
  ops: v.pipe(v.array(SceneOp, 'ops must be an array of ops'), v.minLength(1, 'ops must not be empty'), v.maxLength(100, 'at most 100 ops at once')),
});
/** `{ops: [...]}` or one op, told apart by shape first: a union would report only "Expected Object". */
const isOpsBatch = (body: unknown) => typeof body === 'object' && body !== null && 'ops' in body;

const SCENE_BODY_LIMIT = 2 * 1024 * 1024;

export function sceneRoutes(services: Services) {
  const app = new Hono<AppEnv>();
  const read = authenticate(services, { allow: ['streamer', 'moderator', 'overlay'], room: roomName });
  // PUBLIC_OVERLAY_ROOMS opens the FastAPI version's own route only: its OBS pages read that one.
  const legacyRead = orPublicOverlay(services, roomName, read);
  const write = authenticate(services, { allow: ['streamer', 'moderator'], room: roomName, write: true });
  const sceneJson = new SceneJsonCache();

  // The room-less path is the FastAPI version's: its panel reads items by the legacy names too.
  const getScene = (legacy: boolean) => async (c: Context<AppEnv>) => {
    const room = services.overlays.get(roomName(c));
    await room.ready();
    return c.body(sceneJson.body(room, () => room.snapshot(), room.currentVersion, legacy), 200, JSON_TYPE);
  };

  const putScene = async (c: Context<AppEnv>) => {
    const body = await readValidBody(c, PutSceneBody, SCENE_BODY_LIMIT);
    const ifMatch = c.req.header('if-match')?.replace(/^W\//, '').replace(/"/g, '');
    const known = body._meta?.known_version ?? (ifMatch && /^\d+$/.test(ifMatch) ? Number(ifMatch) : undefined);
    requireScope(c.get('principal'), { type: 'replace' });
    const room = services.overlays.get(roomName(c));
    const result = await room.replace({ items: body.items }, c.get('principal').label, known);
    if (!result.ok) throw resultError(result);
    c.header('ETag', `"${result.version}"`);
    return c.json({ ok: true, version: result.version, server_ts: Date.now(), echo_client_ts: body._meta?.client_ts ?? null });
  };

  app.get('/api/scene', legacyRead, getScene(true));
  app.get('/api/rooms/:room/scene', read, getScene(false));
  app.put('/api/scene', write, putScene);
  app.put('/api/rooms/:room/scene', write, putScene);

  app.post('/api/rooms/:room/ops', write, async (c) => {
    // Counted in the store, so a script cannot spread a flood over processes sharing Redis.
    const principal = c.get('principal');
    await services.limiter.hit(BUCKETS.sceneOps, `${roomName(c)}:${principal.sessionId ?? principal.role}`);
    const body = await readBody(c, SCENE_BODY_LIMIT);
    const ops = isOpsBatch(body) ? validBody(OpsBatch, body).ops : [validBody(SceneOp, body)];
    // `stage: 'draft'` ops edit the room's draft; the rest the live scene.
    const room = await services.production.room(roomName(c));
    const draft = ops.some((op) => op.stage === 'draft') ? (await services.production.draftScene(room.id), await services.production.room(room.id, 'draft')) : null;
    const targetOf = (op: SceneOp) => (op.stage === 'draft' && draft ? draft : room);
    for (const op of ops) {
      const target = targetOf(op);
      const refusal = opRefusal(principal.grant, op, (id) => target.findItem(id));
      if (refusal) throw new AppError(403, 'forbidden', refusal.message, { details: { scope: refusal.scope } });
    }
    const who = principal.label;
    // Queued together, so they land in one batch (one version) unless one fails alone.
    const results = await Promise.all(ops.map((op) => targetOf(op).submit(op, who)));
    const failed = results.find((r) => !r.ok);
    if (failed && results.length === 1) throw resultError(failed);
    return c.json({ ok: !failed, version: room.currentVersion, ...(draft ? { draft_version: draft.currentVersion } : {}), results: results.map(describeResult) }, failed ? 409 : 200);
  });

  return app;
}

export function resultError(result: Extract<OpResult, { ok: false }>): AppError {
  const status = result.code === 'conflict' ? 409 : result.code === 'store_unavailable' ? 503 : result.code === 'not_found' ? 404 : result.code === 'internal' ? 500 : 400;
  return new AppError(status, result.code, result.message, { details: { version: result.version } });
}

function describeResult(result: OpResult) {
  return result.ok ? { ok: true, version: result.version } : { ok: false, code: result.code, message: result.message, version: result.version };
}
