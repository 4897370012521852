/**
 * Every live socket a moderator session holds: scene sockets in the overlay rooms and
 * publisher/viewer sockets in the signaling rooms. Ending a session (streamer, panic button,
 * logout) closes them all with 4001, so nothing it opened outlives it.
 */
import type { Services } from '../services.ts';
import type { Room } from '../../rooms/room.ts';
import { CloseCode } from '../protocol/constants.ts';
import type { Grant } from '../protocol/scopes.ts';

function* roomsOf(services: Services): Generator<Room> {
  yield* services.overlays.all();
  yield* services.signaling.all();
}

export function countSessionSockets(services: Services, sessionId: string): number {
  let count = 0;
  for (const room of roomsOf(services)) for (const conn of room.connections.values()) if (conn.sessionId === sessionId) count++;
  return count;
}

/** Closes them here and tells the other instances on the same Redis to close theirs; the count is this instance's. */
export function closeSessionSockets(services: Services, sessionId: string, reason: string): number {
  services.bus?.toInstances({ kind: 'session.closed', session_id: sessionId, code: CloseCode.sessionRevoked, reason });
  return closeLocalSessionSockets(services, sessionId, reason);
}

export function closeLocalSessionSockets(services: Services, sessionId: string, reason: string): number {
  let closed = 0;
  for (const room of roomsOf(services)) closed += room.closeWhere((conn) => conn.sessionId === sessionId, CloseCode.sessionRevoked, reason);
  return closed;
}

/**
 * Gives every open scene socket of a session its new scopes and tells the panel, so a scope
 * change applies to the next op without a reconnect. The other instances on the same Redis do
 * the same for the sockets they hold; the count is this instance's.
 */
export function regrantSessionSockets(services: Services, sessionId: string, grant: Grant): number {
  services.bus?.toInstances({ kind: 'session.scopes', session_id: sessionId, scopes: [...grant.scopes], items: grant.items ? [...grant.items] : null });
  return regrantLocalSessionSockets(services, sessionId, grant);
}

export function regrantLocalSessionSockets(services: Services, sessionId: string, grant: Grant): number {
  const message = JSON.stringify({ type: 'session.scopes', scopes: grant.scopes, items: grant.items ?? null });
  let told = 0;
  for (const room of services.overlays.all()) {
    for (const conn of room.connections.values()) {
      if (conn.sessionId !== sessionId) continue;
      conn.grant = grant;
      try {
        conn.send(message);
        told++;
      } catch {
        // A socket closing underneath us has its grant set anyway and will not send again.
      }
    }
  }
  return told;
}
