/**
 * The few runtime values pages need from src/protocol. Importing them from there would drag
 * every valibot schema into the bundle (schemas are built at module level, which esbuild
 * cannot drop): about 4 KB gzip, enough to break the overlay's budget. Each value here is
 * typed as the protocol's own literal, so tsc fails if they drift; wire-constants.test.ts
 * checks the one function against the original.
 */
import type { CloseCode as ProtocolCloseCode } from '../../src/protocol/messages.ts';
import type { CANVAS_HEIGHT as ProtocolHeight, CANVAS_WIDTH as ProtocolWidth } from '../../src/protocol/scene.ts';

export const CANVAS_WIDTH: typeof ProtocolWidth = 1920;
export const CANVAS_HEIGHT: typeof ProtocolHeight = 1080;

export const CloseCode: typeof ProtocolCloseCode = {
  normal: 1000,
  policy: 1008,
  tooBig: 1009,
  internal: 1011,
  restarting: 1012,
  publisherReplaced: 1012,
  tryAgainLater: 1013,
  sessionRevoked: 4001,
  sessionExpired: 4002,
  tokenRevoked: 4003,
  lagging: 4100,
  idle: 4101,
};

/** Mirrors messages.ts: 4001–4099 mean the credential is gone, so reconnecting is pointless. */
export const isTerminalCloseCode = (code: number) => code >= 4001 && code <= 4099;
