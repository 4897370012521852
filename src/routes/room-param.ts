import * as v from 'valibot';
import type { Context } from 'hono';
import { RoomId } from '../protocol/scene.ts';
import { badRequest } from '../errors.ts';

import { DEFAULT_ROOM } from '../protocol/constants.ts';

export { DEFAULT_ROOM };

/** A room name from a path param or query, validated; the seed's routes default to "main". */
export function roomName(value: string | undefined): string {
  const parsed = v.safeParse(RoomId, value ?? DEFAULT_ROOM);
  if (!parsed.success) throw badRequest('bad_room', `room: ${parsed.issues[0].message}`);
  return parsed.output;
}

/** `/api/rooms/:room/...` or the default room for the seed's room-less paths. */
export const roomOf = (c: Context) => roomName(c.req.param('room') ?? c.req.query('room'));
