/**
 * Logging in and out. The session secret lives in an httpOnly cookie the panel never sees:
 * consuming a key sets it, `GET /api/moderator-session` tells a reloaded panel who it is.
 */
import { api, ApiError } from './api.ts';
import { DEFAULT_ROOM } from '../../src/protocol/constants.ts';

export interface Me {
  role: 'moderator' | 'streamer';
  label: string;
  room: string;
  session_id?: string;
  expires_at?: string;
  /** Absent for the streamer, who has every scope. */
  scopes?: string[];
  items?: string[];
}

/** Who the cookie says we are, or null when not logged in. */
export async function whoAmI(): Promise<Me | null> {
  try {
    const me = await api<Me & { room: string | null }>('/api/moderator-session');
    // A streamer (the dashboard's cookie) has every room: the one the dashboard opened.
    return { ...me, room: me.room ?? (new URLSearchParams(location.search).get('room') || DEFAULT_ROOM) };
  } catch (error) {
    if (error instanceof ApiError && (error.status === 401 || error.status === 403)) return null;
    throw error;
  }
}

export async function consumeKey(key: string): Promise<Me> {
  const res = await api<{ room: string; label: string; session_id: string; scopes?: string[]; items?: string[] }>('/api/moderator-keys/consume', { json: { key } });
  return { role: 'moderator', label: res.label, room: res.room, session_id: res.session_id, scopes: res.scopes, items: res.items };
}

export async function logout(): Promise<void> {
  await api('/api/moderator-session/logout', { method: 'POST' }).catch(() => undefined);
}

/** For the socket: after an unexplained drop, is the session still alive? */
export async function sessionAlive(): Promise<boolean> {
  try {
    return (await whoAmI()) !== null;
  } catch {
    // The server is down, not our session: keep reconnecting.
    return true;
  }
}
