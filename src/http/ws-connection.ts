/**
 * Adapts Hono's WSContext to the room's Connection. The raw socket (ws on Node, WebSocket on
 * Deno) is where bufferedAmount lives; Hono's wrapper does not expose it.
 *
 * A class, not an object literal of arrows: one lives per open socket, and under tsx (keepNames)
 * every named arrow gets its own `name` property, which puts each such function into dictionary
 * mode (~250 B apiece). Methods on a prototype cost nothing per socket.
 */
import type { WSContext } from 'hono/ws';
import type { Connection, ConnectionMeta, Role } from '../../rooms/connection.ts';
import type { Grant } from '../protocol/scopes.ts';

export interface ConnectionIdentity {
  id: string;
  role: Role;
  label: string;
  sessionId?: string;
  grant?: Grant;
  legacy?: boolean;
  meta?: ConnectionMeta;
}

class SocketConnection implements Connection {
  readonly id: string;
  readonly role: Role;
  readonly label: string;
  // `declare`: no class-field initializer, so an absent one is not even an own `undefined`.
  declare readonly sessionId?: string;
  declare grant?: Grant;
  declare readonly legacy?: boolean;
  declare readonly meta?: ConnectionMeta;
  readonly #ws: WSContext;

  constructor(ws: WSContext, identity: ConnectionIdentity) {
    this.#ws = ws;
    this.id = identity.id;
    this.role = identity.role;
    this.label = identity.label;
    if (identity.sessionId !== undefined) this.sessionId = identity.sessionId;
    if (identity.grant !== undefined) this.grant = identity.grant;
    if (identity.legacy !== undefined) this.legacy = identity.legacy;
    if (identity.meta !== undefined) this.meta = identity.meta;
  }

  get bufferedAmount(): number {
    return (this.#ws.raw as { bufferedAmount?: number } | undefined)?.bufferedAmount ?? 0;
  }

  send(data: string): void {
    this.#ws.send(data);
  }

  close(code: number, reason: string): void {
    this.#ws.close(code, reason);
  }
}

export function toConnection(ws: WSContext, identity: ConnectionIdentity): Connection {
  return new SocketConnection(ws, identity);
}

/** Text frames only: the protocol is JSON; null (a binary frame) is refused by the room. */
export function frameText(data: unknown): string | null {
  if (typeof data === 'string') return data;
  return null;
}
