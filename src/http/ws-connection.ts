/**
 * Adapts Hono's WSContext to the room's Connection. The raw socket (ws on Node, WebSocket on
 * Deno) is where bufferedAmount lives; Hono's wrapper does not expose it.
 */
import type { WSContext } from 'hono/ws';
import type { Connection, ConnectionMeta, Role } from '../../rooms/connection.ts';

export function toConnection(ws: WSContext, identity: { id: string; role: Role; label: string; sessionId?: string; legacy?: boolean; meta?: ConnectionMeta }): Connection {
  const raw = ws.raw as { bufferedAmount?: number } | undefined;
  return {
    ...identity,
    get bufferedAmount() {
      return raw?.bufferedAmount ?? 0;
    },
    send: (data) => ws.send(data),
    close: (code, reason) => ws.close(code, reason),
  };
}

/** Text frames only: the protocol is JSON; null (a binary frame) is refused by the room. */
export function frameText(data: unknown): string | null {
  if (typeof data === 'string') return data;
  return null;
}
