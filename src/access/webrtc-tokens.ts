/**
 * WebRTC tokens: HS256 JWTs (TOKEN_SECRET) naming one room and one role, publisher or
 * viewer. They are short-lived, so a running page trades a still-valid token for a fresh one;
 * the room's view-token epoch rides along, so rotate-tokens ends every refresh chain too.
 * A token a moderator minted names its session (`sid`): once the session ends, no token of
 * that chain verifies, so it can neither be refreshed nor open a socket.
 */
import * as v from 'valibot';
import type { TokenSigner, ViewTokens } from './view-tokens.ts';
import type { Sessions } from './sessions.ts';
import { WebrtcTokenClaims, type WebrtcRole } from '../protocol/signaling.ts';

export interface WebrtcGrant {
  room: string;
  role: WebrtcRole;
  /** The lifetime it was issued with; a refresh keeps it. */
  ttl: number;
  /** Unix seconds. */
  expiresAt: number;
  /** The moderator session behind the chain; none for the streamer's and a view token's. */
  sessionId?: string;
  /** What viewer slots are counted by: the view token it came from, or the first mint. */
  grantId: string;
}

/** Where a new chain comes from; a refresh passes the grant it verified. */
export interface WebrtcOrigin {
  sessionId?: string;
  grantId?: string;
}

export class WebrtcTokens {
  constructor(
    private readonly signer: TokenSigner,
    private readonly viewTokens: ViewTokens,
    private readonly sessions: Sessions,
  ) {}

  async issue(room: string, role: WebrtcRole, ttl: number, origin: WebrtcOrigin = {}): Promise<{ token: string; grant: WebrtcGrant }> {
    const epoch = await this.viewTokens.epoch(room);
    const grantId = origin.grantId ?? `mint:${crypto.randomUUID()}`;
    const claims = { room, role, epoch, kind: 'webrtc', gid: grantId, ...(origin.sessionId ? { sid: origin.sessionId } : {}) };
    const token = await this.signer.sign(claims, ttl);
    return { token, grant: { room, role, ttl, expiresAt: Math.floor(Date.now() / 1000) + ttl, grantId, sessionId: origin.sessionId } };
  }

  /** The grant of a valid, unexpired, unrotated WebRTC token whose session (if any) is live; null for anything else. */
  async verify(token: string): Promise<WebrtcGrant | null> {
    const parsed = v.safeParse(WebrtcTokenClaims, await this.signer.verify(token));
    if (!parsed.success) return null;
    const claims = parsed.output;
    if (claims.epoch !== (await this.viewTokens.epoch(claims.room))) return null;
    if (claims.sid !== undefined && !(await this.sessionLive(claims.sid))) return null;
    return {
      room: claims.room,
      role: claims.role,
      ttl: Math.max(1, claims.exp - claims.iat),
      expiresAt: claims.exp,
      sessionId: claims.sid,
      // Tokens from before grants were named count as their own grant.
      grantId: claims.gid ?? `mint:${claims.jti ?? token.slice(token.lastIndexOf('.') + 1)}`,
    };
  }

  /** Read, not slid: a refresh chain running in a publisher tab does not keep a session alive. */
  async sessionLive(sessionId: string): Promise<boolean> {
    const record = await this.sessions.get(sessionId);
    return record !== null && Date.now() < record.expires;
  }
}
