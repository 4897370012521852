/**
 * Keeps a WebRTC token fresh for a page that runs for days (an OBS source, a publisher tab).
 * Tokens live minutes; every socket reconnect and every TURN credential needs a valid one.
 * The keeper trades the token for a fresh one at start and then every half lifetime, timed
 * by the `ttl` the server returns (never by comparing clocks with the server). When the
 * token can no longer be refreshed it falls back to the overlay's long-lived view token.
 */
import type { WebrtcTokenResponse } from '../../src/protocol/signaling.ts';

export interface TokenKeeperOptions {
  token: string;
  room: string;
  /** An overlay view token for the same room: trades for a viewer token at any time. */
  fallback?: string;
  onToken?(token: string): void;
  /** The token is dead and nothing can renew it (e.g. rotated): a person must act. */
  onDead?(message: string): void;
}

export interface TokenKeeper {
  readonly token: string;
  /** A newer token from outside (a scene edit); refreshed from now on. */
  set(token: string): void;
  stop(): void;
}

const RETRY_START_MS = 1000;
const RETRY_CAP_MS = 30_000;
/** setTimeout overflows past 2^31-1 ms (~24.8 days). */
const MAX_DELAY_MS = 2 ** 31 - 1;

export function keepTokenFresh(opts: TokenKeeperOptions): TokenKeeper {
  let token = opts.token;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let failures = 0;

  const later = (ms: number) => {
    clearTimeout(timer);
    if (!stopped) timer = setTimeout(refresh, Math.min(ms, MAX_DELAY_MS));
  };

  const exchange = async (credential: string, room?: string): Promise<WebrtcTokenResponse | number> => {
    try {
      const res = await fetch('/api/webrtc/token/refresh', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(room ? { token: credential, room } : { token: credential }),
      });
      if (!res.ok) return res.status;
      return (await res.json()) as WebrtcTokenResponse;
    } catch {
      return 0;
    }
  };

  async function refresh() {
    if (stopped) return;
    const tried = token;
    let result = tried ? await exchange(tried) : 401;
    // Refused (expired, rotated): the view token is the way back in, when we hold one.
    if ((result === 401 || result === 403) && opts.fallback) result = await exchange(opts.fallback, opts.room);
    if (stopped) return;
    if (typeof result === 'object') {
      failures = 0;
      // A newer token set from outside meanwhile wins; refresh that one next.
      if (token === tried) {
        token = result.token;
        opts.onToken?.(token);
      }
      return later((result.ttl * 1000) / 2);
    }
    if (result === 401 || result === 403) opts.onDead?.('the WebRTC token expired or was revoked; ask for a new link');
    // Network errors, 429 and 5xx are passing: retry with backoff, forever (set() may also fix it).
    later(Math.min(RETRY_CAP_MS, RETRY_START_MS * 2 ** failures++) * (0.5 + Math.random() / 2));
  }

  void refresh();

  return {
    get token() {
      return token;
    },
    set(next) {
      if (next === token) return;
      token = next;
      failures = 0;
      void refresh();
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
