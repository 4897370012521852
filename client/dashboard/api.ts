/**
 * The dashboard's calls. Signed in, every call rides on the HttpOnly streamer cookie; a 401
 * anywhere means the session ended (signed out elsewhere, expired) and the page asks again.
 */
import { api, errorFrom, sessionApi } from '../moderator/api.ts';
import type { Scope } from '../../src/protocol/scopes.ts';

export interface Reachability {
  listen_host: string;
  loopback_only: boolean;
  public_base_url: string | null;
  base_url: string;
}
export interface Me {
  session_id?: string;
  expires_at?: string;
  reachability: Reachability;
  limits: { moderator_key_ttl_seconds: number };
}
export interface RoomSummary {
  room: string;
  version: number;
  overlays: number;
  panels: number;
  keys: number;
  sessions: number;
}
/** What the server lists for a key or session; `items` only when there is a filter. */
export interface ListedGrant {
  scopes?: Scope[];
  items?: string[];
}
export interface KeyRow extends ListedGrant {
  key_id: string;
  label: string;
  room: string;
  expires_at: string;
}
export interface SessionRow extends ListedGrant {
  id: string;
  label: string;
  room: string;
  created_at: string;
  last_seen_at: string;
  address?: string;
}
export interface Invite {
  key: string;
  key_id: string;
  label: string;
  url: string;
  expires_at: string;
}
export interface ClientInfo {
  id: string;
  connected_at: string | null;
  address: string | null;
  user_agent: string;
  client: 'obs' | 'cef' | 'browser';
}
export interface OverlayHealth extends ClientInfo {
  obs: { version: string; control_level: number } | null;
  on_program: boolean | null;
  visible: boolean | null;
  frozen: boolean;
  applied_version: number | null;
  apply_latency_ms: number | null;
  reconnects: number;
}
export interface PanelHealth extends ClientInfo {
  label: string;
  role: string;
}
export interface LatencyPoint {
  t: number;
  p50: number;
  p95: number;
  n: number;
}
export interface Health {
  version: number;
  overlays: OverlayHealth[];
  panels: PanelHealth[];
  latency: LatencyPoint[];
}
export interface AuditEntry {
  ts: number;
  who: string;
  action: string;
  [field: string]: unknown;
}

const room = (name: string) => `/api/rooms/${encodeURIComponent(name)}`;

/** The token goes out once, as the header every streamer route knows; the answer sets the cookie. */
export async function signInWithToken(token: string): Promise<void> {
  const res = await fetch('/api/streamer-session', { method: 'POST', headers: { 'x-streamer-token': token }, credentials: 'same-origin' });
  if (!res.ok) throw withRetryAfter(errorFrom(res.status, await res.json().catch(() => null), false), res);
}

export const signInWithLink = (login: string) => api('/api/streamer-session', { json: { login } });

/** Who the cookie says we are, or null when it says nothing (not signed in). */
export async function whoAmI(): Promise<Me | null> {
  try {
    return await api<Me>('/api/streamer-session');
  } catch (error) {
    if ((error as { status?: number }).status === 401) return null;
    throw error;
  }
}

export const signOut = (everywhere: boolean) => api(`/api/streamer-session${everywhere ? '?all=true' : ''}`, { method: 'DELETE' }).catch(() => undefined);
export const listRooms = () => sessionApi<{ rooms: RoomSummary[] }>('/api/rooms').then((r) => r.rooms);
export const createRoom = (name: string) => sessionApi('/api/rooms', { json: { room: name } });
export const overlayUrl = (name: string) => sessionApi<{ url: string }>('/api/overlay/token', { json: { room: name } }).then((r) => r.url);
export const rotateLinks = (name: string) => sessionApi<{ overlays_closed: number }>(`${room(name)}/rotate-tokens`, { method: 'POST' });
/** Without `scopes` the key gets the default rights; without `items`, every item. */
export const invite = (name: string, label: string, ttl: number, grant: { scopes?: Scope[]; items?: string[] } = {}) =>
  sessionApi<Invite>(`${room(name)}/invites`, { json: { label, ttl, ...grant } });
export const listKeys = () => sessionApi<{ keys: KeyRow[] }>('/api/moderator-keys').then((r) => r.keys);
export const revokeKey = (id: string) => sessionApi(`/api/moderator-keys/${encodeURIComponent(id)}`, { method: 'DELETE' });
export const listSessions = () => sessionApi<{ sessions: SessionRow[] }>('/api/moderator-sessions').then((r) => r.sessions);
export const endSession = (id: string) => sessionApi(`/api/moderator-sessions/${encodeURIComponent(id)}`, { method: 'DELETE' });
/** A live session's new rights; its open sockets get them for their next op. `items: null` lifts the filter. */
export const setSessionScopes = (id: string, grant: { scopes: Scope[]; items: string[] | null }) =>
  sessionApi(`/api/moderator-sessions/${encodeURIComponent(id)}`, { method: 'PATCH', json: grant });
export const endAllSessions = () => sessionApi('/api/moderator-sessions', { method: 'DELETE' });
/** Item names by id, so audit lines can say "Alice moved Logo" rather than an id. */
export const itemNames = (name: string) =>
  sessionApi<{ items: { id: string; name?: string; text?: string }[] }>(`${room(name)}/scene`).then(
    (scene) => new Map(scene.items.map((item) => [item.id, item.name?.trim() || item.text?.trim().slice(0, 40) || item.id])),
  );
export const health = (name: string) => sessionApi<Health>(`${room(name)}/overlays`);

export function auditPage(name: string, filter: { before?: number; action?: string; who?: string }, limit = 50) {
  const query = new URLSearchParams({ limit: String(limit) });
  if (filter.before !== undefined) query.set('before', String(filter.before));
  if (filter.action) query.set('action', filter.action);
  if (filter.who) query.set('who', filter.who);
  return sessionApi<{ entries: AuditEntry[]; next_before: number | null }>(`${room(name)}/audit?${query}`);
}

function withRetryAfter<E extends Error>(error: E, res: Response): E & { retryAfter?: number } {
  const seconds = Number(res.headers.get('retry-after'));
  return Object.assign(error, Number.isFinite(seconds) && seconds > 0 ? { retryAfter: seconds } : {});
}
