/**
 * The ICE servers a WebRTC page may use. TURN credentials follow the TURN REST API that
 * coturn implements with `use-auth-secret`: username `<expiry>:<room>`, credential
 * base64(HMAC-SHA1(static-auth-secret, username)). coturn checks the HMAC and the expiry on
 * its own, so nothing is stored and a leaked credential dies by itself.
 */
import type { WebrtcConfigResponse } from '../protocol/signaling.ts';
import { hmacSha1Base64 } from './hmac.ts';

export interface IceSettings {
  stunUrls: readonly string[];
  turnUrls: readonly string[];
  turnSecret?: string;
  /** The FastAPI version's static account, used only when there is no secret. */
  turnUsername?: string;
  turnCredential?: string;
  turnTtlSeconds: number;
}

/** `room` is null when the caller showed no token: STUN only, never a TURN credential. */
export async function iceServers(settings: IceSettings, room: string | null, nowSeconds = Math.floor(Date.now() / 1000)): Promise<WebrtcConfigResponse> {
  const servers: WebrtcConfigResponse['iceServers'] = [];
  if (settings.stunUrls.length > 0) servers.push({ urls: [...settings.stunUrls] });
  if (room === null || settings.turnUrls.length === 0) return { ok: true, iceServers: servers, credential_ttl: null };

  if (settings.turnSecret) {
    const username = `${nowSeconds + settings.turnTtlSeconds}:${room}`;
    servers.push({ urls: [...settings.turnUrls], username, credential: await turnRestCredential(settings.turnSecret, username) });
    return { ok: true, iceServers: servers, credential_ttl: settings.turnTtlSeconds };
  }
  if (settings.turnUsername && settings.turnCredential) {
    servers.push({ urls: [...settings.turnUrls], username: settings.turnUsername, credential: settings.turnCredential });
  }
  return { ok: true, iceServers: servers, credential_ttl: null };
}

/** coturn checks base64(HMAC-SHA1(static-auth-secret, username)). */
export const turnRestCredential = (secret: string, username: string): Promise<string> => hmacSha1Base64(secret, username);
