/**
 * The FastAPI version's media control: `POST /api/media/play {id, url, loop}` and
 * `POST /api/media/stop {id}` (form fields or JSON; `room` optional, default main), mapped onto
 * the room's playback cues. Play adds or updates the media item with that id (source, loop,
 * shown) and, for video/audio, cues it from the server clock (`restart`, or `play` when the
 * same source is paused or already playing, so a repeated call does not jump back); stop cues
 * `stop` and hides it, as the FastAPI version did. An image has no playback: play shows it,
 * stop hides it. The item write and the cue are one op (the cue's changes computed by
 * rooms/playback-clock.ts, conditional on the version they were computed from), so each call is
 * one version, stored before the answer and broadcast; the FastAPI version's sockets also get
 * `media.play` / `media.stop` as before. Same credentials as the other write routes: the
 * streamer, or a moderator of the room.
 */
import { Hono } from 'hono';
import * as v from 'valibot';
import type { AppEnv } from '../app-env.ts';
import type { Services } from '../services.ts';
import type { OverlayRoom } from '../../rooms/overlay-room.ts';
import { authenticate } from '../access/authenticate.ts';
import { mayActOnRoom } from '../access/principal.ts';
import { readValidBody } from '../http/body.ts';
import { AppError } from '../errors.ts';
import { CANVAS_HEIGHT, CANVAS_WIDTH, ItemId, MediaSrc, RoomId, type Item, type ItemKind } from '../protocol/scene.ts';
import { SceneOp } from '../protocol/messages.ts';
import { parseValue } from '../protocol/parse.ts';
import { mimeOfStoredName } from '../uploads/media-types.ts';
import { cueChanges } from '../../rooms/playback-clock.ts';
import type { CueAction } from '../protocol/playback.ts';
import { DEFAULT_ROOM } from '../http/room-param.ts';
import { resultError } from './scene.ts';

/** Forms send booleans as text. */
const Loop = v.optional(
  v.union([v.boolean(), v.pipe(v.string(), v.trim(), v.toLowerCase(), v.picklist(['true', 'false', '1', '0', 'on', 'off', 'yes', 'no', ''], 'loop must be true or false'), v.transform((s) => ['true', '1', 'on', 'yes'].includes(s)))], 'loop must be true or false'),
  false,
);
const PlayBody = v.object({ id: ItemId, url: v.pipe(MediaSrc, v.minLength(1, 'url is required')), loop: Loop, room: v.optional(RoomId, DEFAULT_ROOM) });
const StopBody = v.object({ id: ItemId, room: v.optional(RoomId, DEFAULT_ROOM) });

const MEDIA_KINDS: readonly ItemKind[] = ['video', 'audio', 'image'];
/** A concurrent edit of the same item makes the conditional write conflict; try again on the new state. */
const ATTEMPTS = 3;

export function legacyMediaRoutes(services: Services) {
  const app = new Hono<AppEnv>();
  const write = authenticate(services, { allow: ['streamer', 'moderator'], write: true });

  app.post('/api/media/play', write, async (c) => {
    const body = await readValidBody(c, PlayBody);
    const room = await targetRoom(services, c.get('principal'), body.room);
    const { item, version } = await commit(room, c.get('principal').label, body.id, (current) => {
      const shown = { ...(current ?? newMediaItem(body.id, body.url)), src: body.url, loop: body.loop, visible: true } as Item;
      return { type: 'update', item: { ...shown, ...cued(shown, playAction(current, body.url)) } };
    });
    room.announceLegacy({ type: 'media.play', id: body.id, url: body.url, loop: body.loop });
    return c.json({ ok: true, id: body.id, version, item });
  });

  app.post('/api/media/stop', write, async (c) => {
    const body = await readValidBody(c, StopBody);
    const room = await targetRoom(services, c.get('principal'), body.room);
    const { item, version } = await commit(room, c.get('principal').label, body.id, (current) => {
      if (!current) throw new AppError(404, 'not_found', `no item with id ${body.id}`);
      return { type: 'patch', id: body.id, changes: { ...cued(current, 'stop'), visible: false } };
    });
    room.announceLegacy({ type: 'media.stop', id: body.id });
    return c.json({ ok: true, id: body.id, version, item });
  });

  return app;
}

async function targetRoom(services: Services, principal: AppEnv['Variables']['principal'], room: string): Promise<OverlayRoom> {
  if (!mayActOnRoom(principal, room)) throw new AppError(403, 'wrong_room', `this credential is for room "${principal.room}", not "${room}"`);
  const target = services.overlays.get(room);
  await target.ready();
  return target;
}

/** One op on the item as it is now, conditional on it not changing in between. */
async function commit(room: OverlayRoom, who: string, id: string, opFor: (current: Item | undefined) => object): Promise<{ item: Item | null; version: number }> {
  for (let attempt = 1; ; attempt++) {
    const { scene, version } = room.snapshot();
    const current = scene.items.find((item) => item.id === id);
    if (current && !MEDIA_KINDS.includes(current.kind)) {
      throw new AppError(409, 'wrong_kind', `item ${id} is a ${current.kind} item, not video, audio or an image`);
    }
    const parsed = parseValue(SceneOp, { ...opFor(current), base_version: version });
    if (!parsed.ok) throw new AppError(400, 'bad_request', parsed.message, { issues: parsed.issues });
    const result = await room.submit(parsed.value, who);
    if (result.ok) return { item: room.snapshot().scene.items.find((item) => item.id === id) ?? null, version: result.version };
    if (result.code !== 'conflict' || attempt === ATTEMPTS) throw resultError(result);
  }
}

/** A new item plays over the whole canvas; its kind follows the file type. */
function newMediaItem(id: string, url: string): Partial<Item> & { id: string; kind: ItemKind } {
  const path = url.replace(/[?#].*$/, '');
  const mime = mimeOfStoredName(path.slice(path.lastIndexOf('/') + 1)) ?? '';
  const kind: ItemKind = mime.startsWith('audio/') ? 'audio' : mime.startsWith('image/') ? 'image' : 'video';
  return { id, kind, x: 0, y: 0, w: CANVAS_WIDTH, h: CANVAS_HEIGHT };
}

/** Play from the start, unless the same source is merely paused (resume) or already playing (keep going). */
function playAction(current: Item | undefined, url: string): CueAction {
  if (!current || current.src !== url || !current.visible) return 'restart';
  return current.playback?.state === 'playing' || current.playback?.state === 'paused' ? 'play' : 'restart';
}

/** The playback a cue sets now; nothing for an image (it has no playback) or a cue that changes nothing. */
function cued(item: Item, action: CueAction): Partial<Item> {
  if (item.kind !== 'video' && item.kind !== 'audio') return {};
  const changes = cueChanges(item, action, Date.now());
  return typeof changes === 'object' && changes !== null ? changes : {};
}
