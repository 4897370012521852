/**
 * The one reconnecting WebSocket every page uses. An OBS browser source is never reloaded
 * by hand, so this retries forever, except for close codes that mean the credential is gone.
 */
import { CloseCode, isTerminalCloseCode, PING_INTERVAL_MS } from '../../src/protocol/constants.ts';
import type { ModeratorClientMessage, OverlayClientMessage, ServerMessage } from '../../src/protocol/messages.ts';

export type SocketStatus = 'connecting' | 'open' | 'waiting' | 'stopped';
type ClientMessage = OverlayClientMessage | ModeratorClientMessage;
type PingMessage = Extract<ClientMessage, { type: 'ping' }>;

export interface SocketOptions {
  /** Called before every attempt, so a reconnect can carry fresh query parameters. */
  url: () => string;
  onMessage(msg: ServerMessage): void;
  onOpen?(): void;
  onClose?(code: number, reason: string): void;
  onStatus?(status: SocketStatus): void;
}

export interface Socket<Out extends ClientMessage> {
  /** False when the socket is not open: the message is dropped, resync covers the gap. */
  send(msg: Out): boolean;
  close(): void;
  readonly connected: boolean;
}

const BACKOFF_START_MS = 250;
const BACKOFF_CAP_MS = 10_000;
/** A connection that lived this long was healthy: the next failure starts the backoff over. */
const STABLE_MS = 5_000;
/** Silence this long, with pings unanswered, means dead even if TCP has not noticed yet. */
const SILENCE_LIMIT_MS = 45_000;
/** Counted in pings, not only time: a hidden page's timers may fire a minute late. */
const MAX_UNANSWERED_PINGS = 2;
/** A restarting server is usually back within a second; spread clients over this window. */
const RESTART_JITTER_MS = 750;

export function createSocket<Out extends ClientMessage = OverlayClientMessage>(opts: SocketOptions): Socket<Out> {
  let ws: WebSocket | null = null;
  let failures = 0;
  let stopped = false;
  let openedAt = 0;
  let lastHeard = 0;
  let unanswered = 0;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let pingTimer: ReturnType<typeof setInterval> | undefined;

  const status = (s: SocketStatus) => opts.onStatus?.(s);

  const connect = () => {
    retryTimer = undefined;
    if (stopped) return;
    status('connecting');
    let socket: WebSocket;
    try {
      socket = new WebSocket(opts.url());
    } catch {
      // A malformed URL throws synchronously; treat it like any failed attempt.
      return lost(1006, 'connect failed');
    }
    ws = socket;
    socket.onopen = () => {
      openedAt = lastHeard = Date.now();
      unanswered = 0;
      pingTimer = setInterval(heartbeat, PING_INTERVAL_MS);
      status('open');
      safely(() => opts.onOpen?.());
    };
    socket.onmessage = (event) => {
      lastHeard = Date.now();
      unanswered = 0;
      if (typeof event.data !== 'string') return;
      let msg: unknown;
      try {
        msg = JSON.parse(event.data);
      } catch {
        return;
      }
      if (typeof msg === 'object' && msg !== null && typeof (msg as { type?: unknown }).type === 'string') {
        safely(() => opts.onMessage(msg as ServerMessage));
      }
    };
    socket.onclose = (event) => lost(event.code, event.reason);
  };

  const heartbeat = () => {
    if (unanswered >= MAX_UNANSWERED_PINGS && Date.now() - lastHeard >= SILENCE_LIMIT_MS) {
      return lost(1006, 'no message for too long');
    }
    unanswered++;
    const ping: PingMessage = { type: 'ping', client_ts: Date.now() };
    raw(ping);
  };

  /** Forget the current socket (its late events must not count twice) and plan the next try. */
  const lost = (code: number, reason: string) => {
    const old = ws;
    ws = null;
    clearInterval(pingTimer);
    if (old) {
      old.onopen = old.onmessage = old.onclose = null;
      if (old.readyState < WebSocket.CLOSING) old.close();
    }
    if (openedAt && Date.now() - openedAt >= STABLE_MS) failures = 0;
    openedAt = 0;
    safely(() => opts.onClose?.(code, reason));
    if (stopped) return;
    if (isTerminalCloseCode(code)) {
      stopped = true;
      return status('stopped');
    }
    status('waiting');
    let delay: number;
    if (code === CloseCode.restarting) {
      failures = 0;
      delay = Math.random() * RESTART_JITTER_MS;
    } else {
      // Full jitter: a crowd of overlays that lost the server together comes back spread out.
      delay = Math.random() * Math.min(BACKOFF_CAP_MS, BACKOFF_START_MS * 2 ** failures);
      failures = Math.min(failures + 1, 16);
    }
    retryTimer = setTimeout(connect, delay);
  };

  const raw = (msg: ClientMessage): boolean => {
    if (!ws || ws.readyState !== WebSocket.OPEN) return false;
    ws.send(JSON.stringify(msg));
    return true;
  };

  connect();

  return {
    send: raw,
    close() {
      stopped = true;
      clearTimeout(retryTimer);
      if (ws) lost(CloseCode.normal, 'closed by client');
      status('stopped');
    },
    get connected() {
      return ws !== null && ws.readyState === WebSocket.OPEN;
    },
  };
}

/** A page handler that throws must not take the socket down with it. */
function safely(fn: () => void) {
  try {
    fn();
  } catch (err) {
    console.error(err);
  }
}
