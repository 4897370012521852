/**
 * Plain runtime values of the protocol, with no valibot in sight: pages import these without
 * pulling every schema into their bundle (schemas are built at module load, which esbuild
 * cannot drop). messages.ts and scene.ts re-export them for the server side.
 */

/** The room a URL, token or request without `room` means. */
export const DEFAULT_ROOM = 'main';

/** Clients ping this often, so a quiet socket still shows it is alive. */
export const PING_INTERVAL_MS = 15_000;
/** A socket silent this long (five missed pings) is dead: a frozen OBS, a lost NAT. */
export const SILENT_SOCKET_MS = 75_000;

/** Longest text one `tts.speak` may carry; the panel's text field stops there too. */
export const TTS_MAX_TEXT_LENGTH = 500;

/** Audit lines kept per room; older ones are trimmed as new ones arrive. */
export const AUDIT_CAP = 10_000;

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
  tryAgainLater: 1013,
  sessionRevoked: 4001,
  sessionExpired: 4002,
  tokenRevoked: 4003,
  /** WebRTC: another publisher joined the room; this one must not reconnect and fight it. */
  publisherReplaced: 4004,
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
