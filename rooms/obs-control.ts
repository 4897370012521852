/**
 * OBS messages on a room's sockets. A panel's requests on the moderator socket: `overlay.reload {overlay_id?}` (scope
 * overlay.reload) and `obs.scene {name}` / `obs.replay.save` (scope obs.control), run by the
 * room's ObsBoard and answered with `ack` or one `error` frame.
 */
import type { Connection } from './connection.ts';
import type { ObsBoard } from './obs-board.ts';
import { errorMessage } from './room-replies.ts';
import { missingScope, UNRESTRICTED } from '../src/protocol/scopes.ts';
import type { ObsControlOp, OverlayStatus } from '../src/protocol/obs.ts';
import type { ServerMessage } from '../src/protocol/messages.ts';

type ObsResultMessage = { type: 'obs.result'; cmd_id: string; ok: boolean; code?: 'obs_not_available' | 'obs_permission' | 'obs_failed'; message?: string };

/** Every OBS message a room's sockets send: overlay reports and answers, panel requests. */
export function receiveObsMessage(obs: ObsBoard, conn: Connection, message: OverlayStatus | ObsResultMessage | ObsControlOp, version: () => number, reply: (message: ServerMessage) => void): void {
  if (message.type === 'overlay.status') return obs.report(conn, message);
  if (message.type === 'obs.result') return obs.result(conn, message.cmd_id, message.ok, message.code, message.message);
  void runObsControl(obs, conn, message, version, reply);
}

export async function runObsControl(obs: ObsBoard, conn: Connection, op: ObsControlOp, version: () => number, reply: (message: ServerMessage) => void): Promise<void> {
  const scope = op.type === 'overlay.reload' ? 'overlay.reload' : 'obs.control';
  const refusal = missingScope(conn.grant ?? UNRESTRICTED, { type: scope });
  if (refusal) return reply(errorMessage('forbidden', refusal.message, version(), op.req_id));
  if (op.type === 'overlay.reload') {
    const told = obs.reload(op.overlay_id);
    if (op.overlay_id !== undefined && told === 0) return reply(errorMessage('not_found', 'no overlay with that id is connected', version(), op.req_id));
    return reply({ type: 'ack', req_id: op.req_id, version: version() });
  }
  const outcome = op.type === 'obs.scene' ? await obs.command('scene', op.name) : await obs.command('replay.save');
  reply(outcome.ok ? { type: 'ack', req_id: op.req_id, version: version() } : errorMessage(outcome.code, outcome.message, version(), op.req_id));
}
