/**
 * WebRTC tokens: HS256 JWTs (TOKEN_SECRET) naming one room and one role, publisher or
 * viewer. They are short-lived, so a running page trades a still-valid token for a fresh one;
 * the room's view-token epoch rides along, so rotate-tokens ends every refresh chain too.
 */
import * as v from 'valibot';
import type { TokenSigner, ViewTokens } from './view-tokens.ts';
import { WebrtcTokenClaims, type WebrtcRole } from '../protocol/signaling.ts';

export interface WebrtcGrant {
  room: string;
  role: WebrtcRole;
  /** The lifetime it was issued with; a refresh keeps it. */
  ttl: number;
  /** Unix seconds. */
  expiresAt: number;
}

export class WebrtcTokens {
  constructor(
    private readonly signer: TokenSigner,
    private readonly viewTokens: ViewTokens,
  ) {}

  async issue(room: string, role: WebrtcRole, ttl: number): Promise<{ token: string; grant: WebrtcGrant }> {
    const epoch = await this.viewTokens.epoch(room);
    const token = await this.signer.sign({ room, role, epoch, kind: 'webrtc' }, ttl);
    return { token, grant: { room, role, ttl, expiresAt: Math.floor(Date.now() / 1000) + ttl } };
  }

  /** The grant of a valid, unexpired, unrotated WebRTC token; null for anything else. */
  async verify(token: string): Promise<WebrtcGrant | null> {
    const parsed = v.safeParse(WebrtcTokenClaims, await this.signer.verify(token));
    if (!parsed.success) return null;
    const claims = parsed.output;
    if (claims.epoch !== (await this.viewTokens.epoch(claims.room))) return null;
    return { room: claims.room, role: claims.role, ttl: Math.max(1, claims.exp - claims.iat), expiresAt: claims.exp };
  }
}
