import * as v from 'valibot';
import type { Context } from 'hono';
import { RoomId } from '../protocol/scene.ts';
import { badRequest } from '../errors.ts';
import { DEFAULT_ROOM } from '../protocol/constants.ts';

export { DEFAULT_ROOM };

/**
 * The one rule for a room name from outside, validated (400 `bad_room` otherwise): give it a
 * raw value (a query, a body field) or a request, whose `:room` path param or `?room=` query
 * is read. Absent means the default room, as in the legacy API's room-less paths.
 */
export function roomName(from: Context | string | undefined): string {
  const value = typeof from === 'object' ? (from.req.param('room') ?? from.req.query('room')) : from;
  // The room-less legacy paths (GET /api/scene) ask on every request; the default is valid by definition.
  if (value === undefined) return DEFAULT_ROOM;
  const parsed = v.safeParse(RoomId, value);
  if (!parsed.success) throw badRequest('bad_room', `room: ${parsed.issues[0].message}`);
  return parsed.output;
}
