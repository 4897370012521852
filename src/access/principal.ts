import { UNRESTRICTED, type Grant } from '../protocol/scopes.ts';
import type { Stage } from '../protocol/production-ops.ts';

/** Who is calling, decided once in the route before anything reaches a room. */
export type Principal =
  | { role: 'streamer'; label: string; room?: undefined; sessionId?: undefined; grant?: undefined }
  | { role: 'moderator'; label: string; room: string; sessionId: string; grant: Grant }
  | { role: 'overlay'; label: string; room: string; sessionId?: undefined; grant?: undefined; stages?: readonly Stage[] };

export type PrincipalRole = Principal['role'];

/** The streamer may act on every room; everyone else only on the room their credential names. */
export const mayActOnRoom = (principal: Principal, room: string) => principal.role === 'streamer' || principal.room === room;

/** What the caller may do: a moderator what its session holds, the streamer everything. */
export const grantOf = (principal: Principal): Grant => principal.grant ?? UNRESTRICTED;

/** Whether the caller may watch a stage: panels (streamer, moderators) both, a view token what it names. */
export const mayWatchStage = (principal: Principal, stage: Stage) => stage === 'live' || principal.role !== 'overlay' || (principal.stages ?? []).includes(stage);
