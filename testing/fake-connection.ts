/**
 * A Connection for room tests: records what the room sent and how it closed. It stands in for
 * a socket in tests of room logic only; tests that claim to test sockets use real ones.
 */
import type { Connection, Role } from '../rooms/connection.ts';
import type { ServerMessage } from '../src/protocol/messages.ts';

export class FakeConnection implements Connection {
  readonly id = crypto.randomUUID();
  readonly sent: ServerMessage[] = [];
  closed: { code: number; reason: string } | null = null;
  bufferedAmount = 0;

  constructor(
    readonly role: Role,
    readonly label: string = role,
    readonly sessionId?: string,
  ) {}

  send(data: string): void {
    if (this.closed) throw new Error('send on a closed connection');
    this.sent.push(JSON.parse(data));
  }

  close(code: number, reason: string): void {
    this.closed ??= { code, reason };
  }

  of<T extends ServerMessage['type']>(type: T): Extract<ServerMessage, { type: T }>[] {
    return this.sent.filter((m): m is Extract<ServerMessage, { type: T }> => m.type === type);
  }

  last(): ServerMessage | undefined {
    return this.sent[this.sent.length - 1];
  }
}

/** Let queued microtasks and the room's commit pipeline run. */
export const settle = (ms = 5) => new Promise((resolve) => setTimeout(resolve, ms));
