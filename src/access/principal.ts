/** Who is calling, decided once in the route before anything reaches a room. */
export type Principal =
  | { role: 'streamer'; label: string; room?: undefined; sessionId?: undefined }
  | { role: 'moderator'; label: string; room: string; sessionId: string }
  | { role: 'overlay'; label: string; room: string; sessionId?: undefined };

export type PrincipalRole = Principal['role'];

/** The streamer may act on every room; everyone else only on the room their credential names. */
export const mayActOnRoom = (principal: Principal, room: string) => principal.role === 'streamer' || principal.room === room;
