/**
 * The panel's moderator socket: the URL it (re)connects with, and whether a drop means the
 * session is over. A terminal close code says so; a refused upgrade looks like any dropped
 * socket (1006), so after such a drop HTTP is asked, at most once every few seconds.
 */
import type { ModeratorClientMessage, ServerMessage } from '../../src/protocol/messages.ts';
import { PROTOCOL_PARAM, PROTOCOL_VERSION, isTerminalCloseCode } from '../../src/protocol/constants.ts';
import { createSocket, type Socket, type SocketStatus } from '../shared/socket.ts';

const SESSION_CHECK_MS = 5000;

export interface PanelSocketOptions {
  room: string;
  stage: 'live' | 'draft';
  /** The version the panel has, to resume from on reconnect; null before the first scene. */
  sinceVersion(): number | null;
  /** Resolves false when the session is gone (HTTP 401). */
  sessionAlive(): Promise<boolean>;
  onMessage(msg: ServerMessage): void;
  onOpen(): void;
  /** Every drop, before anything is known about the session. */
  onDrop(): void;
  /** The session is over: the socket stays closed. */
  onRevoked(): void;
  onStatus(status: SocketStatus): void;
}

export function createPanelSocket(options: PanelSocketOptions): Socket<ModeratorClientMessage> {
  let lastSessionCheck = 0;
  let revoked = false;
  const revoke = () => {
    if (revoked) return;
    revoked = true;
    socket.close();
    options.onRevoked();
  };
  const socket = createSocket<ModeratorClientMessage>({
    url: () => moderatorSocketUrl(options.room, options.stage, options.sinceVersion()),
    onMessage: options.onMessage,
    onOpen: options.onOpen,
    onStatus: options.onStatus,
    onClose: (code) => {
      options.onDrop();
      if (isTerminalCloseCode(code)) return revoke();
      if (Date.now() - lastSessionCheck < SESSION_CHECK_MS) return;
      lastSessionCheck = Date.now();
      void options.sessionAlive().then((alive) => alive || revoke());
    },
  });
  return socket;
}

export function moderatorSocketUrl(room: string, stage: 'live' | 'draft', sinceVersion: number | null): string {
  const url = new URL('/ws/moderator', location.href);
  url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  url.searchParams.set('room', room);
  url.searchParams.set(PROTOCOL_PARAM, String(PROTOCOL_VERSION));
  if (stage === 'draft') url.searchParams.set('stage', 'draft');
  if (sinceVersion !== null) url.searchParams.set('since_version', String(sinceVersion));
  return url.href;
}
