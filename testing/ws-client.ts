/**
 * A real WebSocket client for tests (the `ws` package, so headers can be set like curl does),
 * with a message log and "wait for the message that matches".
 */
import WebSocket from 'ws';
import type { ServerMessage } from '../src/protocol/messages.ts';
import { PROTOCOL_PARAM, PROTOCOL_VERSION } from '../src/protocol/constants.ts';

/** The members of `M` a message of type `T` may be (unlike Extract, also `{type: 'a' | 'b'}` or `{type: string}`). */
type OfType<M extends { type: string }, T extends string> = M extends unknown ? (T extends M['type'] ? M : never) : never;

/** `M`: what the server sends; our protocol unless a test speaks the FastAPI version's. */
export interface TestSocket<M extends { type: string } = ServerMessage> {
  readonly ws: WebSocket;
  readonly messages: M[];
  send(message: object | string): void;
  next<T extends M['type']>(type: T, match?: (m: OfType<M, T>) => boolean, timeoutMs?: number): Promise<OfType<M, T>>;
  closed: Promise<{ code: number; reason: string }>;
  close(): void;
}

/**
 * Like our own clients, the socket announces the current protocol (`v=2`) on the overlay and
 * moderator paths; `legacy: true` connects as the FastAPI version's pages did, without it.
 */
export async function openSocket<M extends { type: string } = ServerMessage>(url: string, headers: Record<string, string> = {}, options: { legacy?: boolean } = {}): Promise<TestSocket<M>> {
  const ws = new WebSocket(options.legacy ? url : withCurrentProtocol(url), { headers });
  const messages: M[] = [];
  const waiters = new Set<() => void>();
  ws.on('message', (data) => {
    messages.push(JSON.parse(String(data)));
    for (const wake of [...waiters]) wake();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => {
    resolve({ code, reason: String(reason) });
    for (const wake of [...waiters]) wake();
  }));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`upgrade refused: ${res.statusCode}`), { status: res.statusCode })));
    ws.once('error', reject);
  });
  let cursor = 0;
  return {
    ws,
    messages,
    closed,
    send: (message) => ws.send(typeof message === 'string' ? message : JSON.stringify(message)),
    close: () => ws.close(),
    next(type, match, timeoutMs = 3000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          for (let i = cursor; i < messages.length; i++) {
            const m = messages[i]!;
            if (m.type === type && (!match || match(m as never))) {
              cursor = i + 1;
              cleanup();
              resolve(m as never);
              return;
            }
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`no ${type} within ${timeoutMs} ms; got ${JSON.stringify(messages.slice(cursor)).slice(0, 500)}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
  };
}

export function withCurrentProtocol(url: string): string {
  const parsed = new URL(url);
  if (/^\/ws\/(overlay|moderator)$/.test(parsed.pathname) && !parsed.searchParams.has(PROTOCOL_PARAM)) parsed.searchParams.set(PROTOCOL_PARAM, String(PROTOCOL_VERSION));
  return parsed.href;
}

/** The upgrade's HTTP status when the server refuses the socket (401/403/503…). */
export async function refusedStatus(url: string, headers: Record<string, string> = {}): Promise<number | null> {
  try {
    const socket = await openSocket(url, headers);
    socket.close();
    return null;
  } catch (error) {
    return (error as { status?: number }).status ?? -1;
  }
}
