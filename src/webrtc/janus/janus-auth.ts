/**
 * Janus credentials, all derived with HMAC (crypto.subtle, so the portable core stays on Web
 * APIs): the core `token_auth` token sent on every request, the VideoRoom's signed room
 * token for `join`, and each room's `secret` and `pin`, derived from TOKEN_SECRET so that a
 * restart of our server (or of Janus) finds the same values again: a crash never leaves a
 * room behind whose secret nobody knows.
 */
import { hmacSha1Base64 } from '../hmac.ts';

export const VIDEOROOM_PLUGIN = 'janus.plugin.videoroom';

/** Janus 1.1 core token: `<expiry>,janus,<plugin>:` + base64(HMAC-SHA1(token_auth_secret, data)). */
export async function coreToken(secret: string, expiresAt: number): Promise<string> {
  const data = `${expiresAt},janus,${VIDEOROOM_PLUGIN}`;
  return `${data}:${await hmacSha1Base64(secret, data)}`;
}

/** VideoRoom signed room token (rooms created with signed_tokens): `<expiry>,janus.plugin.videoroom,room=<id>:` + HMAC. */
export async function roomToken(secret: string, room: string, expiresAt: number): Promise<string> {
  const data = `${expiresAt},${VIDEOROOM_PLUGIN},room=${room}`;
  return `${data}:${await hmacSha1Base64(secret, data)}`;
}

export interface RoomCredentials {
  /** Needed to edit or destroy the Janus room. */
  secret: string;
  /** Needed to join it (with a room token). */
  pin: string;
}

/** Deterministic per room; never sent to a browser. */
export async function roomCredentials(tokenSecret: string, room: string): Promise<RoomCredentials> {
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(tokenSecret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const derive = async (purpose: string) => {
    const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(`janus-room-${purpose}:${room}`)));
    return [...mac].map((b) => b.toString(16).padStart(2, '0')).join('');
  };
  return { secret: await derive('secret'), pin: (await derive('pin')).slice(0, 32) };
}
