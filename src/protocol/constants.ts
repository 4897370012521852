/**
 * Plain runtime values of the protocol, with no valibot in sight: pages import these without
 * pulling every schema into their bundle (schemas are built at module load, which esbuild
 * cannot drop). messages.ts and scene.ts re-export them for the server side.
 */

export const CANVAS_WIDTH = 1920;
export const CANVAS_HEIGHT = 1080;

/**
 * Close codes. 4001–4099 mean "do not reconnect" (the credential is gone); everything else
 * means "reconnect with backoff and resync".
 */
export const CloseCode = {
  normal: 1000,
  policy: 1008,
  tooBig: 1009,
  internal: 1011,
  restarting: 1012,
  /** WebRTC: another publisher joined the room; this one must not reconnect on its own. */
  publisherReplaced: 1012,
  tryAgainLater: 1013,
  sessionRevoked: 4001,
  sessionExpired: 4002,
  tokenRevoked: 4003,
  lagging: 4100,
  idle: 4101,
} as const;

export const isTerminalCloseCode = (code: number) => code >= 4001 && code <= 4099;

/**
 * Our clients add `v=2` to the overlay and moderator socket URLs; a socket without it is
 * taken for one of the FastAPI version's pages or scripts and gets its broadcast names.
 */
export const PROTOCOL_PARAM = 'v';
export const PROTOCOL_VERSION = 2;
