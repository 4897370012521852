/**
 * hono/deno's upgradeWebSocket plus the two things the Deno edge must do itself:
 * - WS_MAX_PAYLOAD_KB: Deno.upgradeWebSocket has no size limit (on Node, `ws` has
 *   maxPayload), so an oversize message closes its socket with 1009 before the room sees it.
 *   Unlike `ws`, Deno has buffered the message by then.
 * - Draining: server.shutdown() cuts open sockets off with 1001, so after the rooms close
 *   theirs with 1012 the edge waits for those close handshakes to finish.
 */
import { upgradeWebSocket as denoUpgrade } from 'hono/deno';
import type { UpgradeWebSocket, WSContext, WSEvents, WSMessageReceive } from 'hono/ws';
import { CloseCode } from '../protocol/messages.ts';

export function denoWebSockets(maxBytes: number) {
  const open = new Set<WSContext<WebSocket>>();
  let whenAllClosed: (() => void) | null = null;

  const guard = (events: WSEvents<WebSocket>): WSEvents<WebSocket> => ({
    ...events,
    onOpen(event, ws) {
      open.add(ws);
      events.onOpen?.(event, ws);
    },
    onMessage(event, ws) {
      if (exceeds(event.data, maxBytes)) return ws.close(CloseCode.tooBig, 'message too big');
      events.onMessage?.(event, ws);
    },
    onClose(event, ws) {
      open.delete(ws);
      if (open.size === 0) whenAllClosed?.();
      events.onClose?.(event, ws);
    },
    // Explicit: a spread copies own properties only, and the events may be a class instance.
    onError(event, ws) {
      events.onError?.(event, ws);
    },
  });

  // Both call forms of UpgradeWebSocket: (createEvents, options) and (c, events, options).
  const upgradeWebSocket = ((first: unknown, second?: unknown, third?: unknown) =>
    typeof first === 'function'
      ? denoUpgrade(async (c) => guard(await first(c)), second as Deno.UpgradeWebSocketOptions)
      : denoUpgrade(first as never, guard(second as WSEvents<WebSocket>), third as Deno.UpgradeWebSocketOptions)) as UpgradeWebSocket;

  /** Resolves when no socket is open any more, or after `timeoutMs` (a peer may never answer a close). */
  const allClosed = (timeoutMs: number) =>
    new Promise<void>((resolve) => {
      if (open.size === 0) return resolve();
      const timer = setTimeout(resolve, timeoutMs);
      whenAllClosed = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  return { upgradeWebSocket, allClosed };
}

function exceeds(data: WSMessageReceive, maxBytes: number): boolean {
  if (typeof data !== 'string') return ('size' in data ? data.size : data.byteLength) > maxBytes;
  // UTF-8 takes at least one byte and at most three per UTF-16 unit: encode only when unsure.
  if (data.length > maxBytes) return true;
  if (data.length * 3 <= maxBytes) return false;
  return new TextEncoder().encode(data).length > maxBytes;
}
