/**
 * Our own Node upgrade path, in place of @hono/node-server's `upgradeWebSocket`: the app still
 * authenticates the upgrade request (its routes call `upgradeWebSocket(createEvents)` as
 * before), but once `ws` has completed the handshake the open socket keeps only the events the
 * route returned. @hono/node-server wires the socket inside a closure over the upgrade's Hono
 * Context and the IncomingMessage (URLs, header lists, the token in the query), so every idle
 * overlay socket kept its whole upgrade request alive: ~5× the heap of a bare `ws` socket.
 *
 * Flow: `upgrade` event → the app runs on a Web Request built from the IncomingMessage → a
 * route that accepts leaves its events in a per-request slot on the env → `handleUpgrade` →
 * `attach` (a module-level function, so its closures see only the socket and the events).
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { STATUS_CODES } from 'node:http';
import { defineWebSocketHelper, WSContext, type UpgradeWebSocket, type WSEvents } from 'hono/ws';
import type { WebSocket, WebSocketServer } from 'ws';

const ACCEPTED = Symbol('accepted websocket upgrade');

/** What an accepting route leaves for the edge: the only thing the open socket keeps. */
interface Accepted {
  events: WSEvents<WebSocket>;
  onError?: (error: unknown) => void;
}

/** The bindings the app sees during an upgrade (`incoming` is what getConnInfo reads). */
interface UpgradeEnv {
  incoming: IncomingMessage;
  outgoing: undefined;
  [ACCEPTED]?: Accepted | null;
}

type Fetch = (request: Request, env: UpgradeEnv) => Response | Promise<Response>;

/** The routes' `upgradeWebSocket`: accepting only records the events; the edge upgrades after the app answered. */
export const nodeUpgradeWebSocket: UpgradeWebSocket<WebSocket, { onError?: (error: unknown) => void }> = defineWebSocketHelper(async (c, events, options) => {
  if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') return;
  const env = c.env as Partial<UpgradeEnv> | undefined;
  // Not an upgrade this edge is handling (e.g. app.request() in a test): nothing can open.
  if (!env || !(ACCEPTED in env)) return new Response(null, { status: 500 });
  env[ACCEPTED] = { events: events as WSEvents<WebSocket>, onError: options?.onError };
  return new Response(null);
});

/** Serves WebSocket upgrades of `server` through `fetch` (the Hono app) and `wss` (noServer, with maxPayload). */
export function serveUpgrades(server: Server, wss: WebSocketServer, fetch: Fetch): void {
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    void upgrade(request, socket, head, wss, fetch);
  });
  server.on('close', () => wss.close());
}

async function upgrade(request: IncomingMessage, socket: Duplex, head: Buffer, wss: WebSocketServer, fetch: Fetch): Promise<void> {
  // A reset during the app's await must not become an uncaught 'error'.
  const ignore = () => {};
  socket.on('error', ignore);
  if (request.headers.upgrade?.toLowerCase() !== 'websocket') return refuse(socket, 400);
  const env: UpgradeEnv = { incoming: request, outgoing: undefined, [ACCEPTED]: null };
  let response: Response;
  try {
    const webRequest = toWebRequest(request);
    if (!webRequest) return refuse(socket, 400);
    response = await fetch(webRequest, env);
  } catch {
    return refuse(socket, 500);
  }
  const accepted = env[ACCEPTED];
  env[ACCEPTED] = null;
  if (socket.destroyed) return;
  if (!accepted) return refuse(socket, response.status, response.headers);
  // Headers the app set on its answer (not the handshake's own) go out with the 101.
  const addHeaders = (lines: string[]) => appendHeaders(lines, response.headers);
  wss.once('headers', addHeaders);
  try {
    wss.handleUpgrade(request, socket, head, (ws) => {
      socket.off('error', ignore);
      attach(ws, accepted);
    });
  } finally {
    wss.off('headers', addHeaders);
  }
}

/**
 * Module level on purpose: the socket's listeners must not share a scope with the upgrade
 * request. Classes rather than literals of arrows: under tsx (keepNames) every named arrow gets
 * its own `name` property and with it a ~250 B property dictionary, per socket.
 */
function attach(ws: WebSocket, accepted: Accepted): void {
  const socket = new OpenSocket(ws, accepted);
  socket.open();
  ws.on('message', (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => socket.message(data, isBinary));
  ws.on('close', (code: number, reason: Buffer) => socket.closed(code, reason));
  ws.on('error', (error: Error) => socket.failed(error));
}

/**
 * The last text frame and its UTF-8 bytes. A broadcast hands the same string to every socket
 * of a room; given a string, `ws` measured it and the socket's writev encoded and copied it
 * again for each of them. Encoded once, every socket writes the same bytes (a server does not
 * mask, so `ws` sends them as they are).
 */
let lastText: string | undefined;
let lastBytes: Buffer = Buffer.alloc(0);

function textBytes(text: string): Buffer {
  if (text !== lastText) {
    lastText = text;
    lastBytes = Buffer.from(text, 'utf8');
  }
  return lastBytes;
}

/** What WSContext delegates to: the raw `ws` socket. */
class WsSocketInit {
  readonly protocol: string;
  constructor(readonly raw: WebSocket) {
    this.protocol = raw.protocol;
  }
  get readyState(): 0 | 1 | 2 | 3 {
    return this.raw.readyState as 0 | 1 | 2 | 3;
  }
  send(data: string | ArrayBuffer | Uint8Array, options: { compress?: boolean }): void {
    if (typeof data === 'string') this.raw.send(textBytes(data), { binary: false, compress: options.compress });
    else this.raw.send(data, { compress: options.compress });
  }
  close(code?: number, reason?: string): void {
    this.raw.close(code, reason);
  }
}

class OpenSocket {
  readonly #ctx: WSContext<WebSocket>;
  readonly #accepted: Accepted;
  constructor(ws: WebSocket, accepted: Accepted) {
    this.#ctx = new WSContext<WebSocket>(new WsSocketInit(ws));
    this.#accepted = accepted;
  }

  open(): void {
    try {
      this.#accepted.events.onOpen?.(new Event('open'), this.#ctx);
    } catch (error) {
      this.#report(error);
    }
  }

  message(data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): void {
    try {
      const payload = isBinary ? toArrayBuffer(data) : data.toString();
      this.#accepted.events.onMessage?.(new MessageEvent('message', { data: payload }), this.#ctx);
    } catch (error) {
      this.#report(error);
    }
  }

  closed(code: number, reason: Buffer): void {
    try {
      this.#accepted.events.onClose?.(closeEvent(code, reason.toString()), this.#ctx);
    } catch (error) {
      this.#report(error);
    }
  }

  failed(error: Error): void {
    try {
      this.#accepted.events.onError?.(Object.assign(new Event('error'), { error, message: error.message }), this.#ctx);
    } catch (thrown) {
      this.#report(thrown);
    }
  }

  #report(error: unknown): void {
    if (this.#accepted.onError) this.#accepted.onError(error);
    else console.error(error);
  }
}

function closeEvent(code: number, reason: string): CloseEvent {
  // Node 20 has no global CloseEvent.
  return Object.assign(new Event('close'), { code, reason, wasClean: code !== 1006 }) as CloseEvent;
}

function toArrayBuffer(data: Buffer | ArrayBuffer | Buffer[]): ArrayBuffer {
  const buffer = Array.isArray(data) ? Buffer.concat(data) : data instanceof ArrayBuffer ? Buffer.from(data) : data;
  return buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength) as ArrayBuffer;
}

// The Host header ends up in the URL the app sees (Origin checks use it): only a plain host[:port].
const VALID_HOST = /^(?:[a-z0-9._-]+|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i;

function toWebRequest(request: IncomingMessage): Request | null {
  const host = request.headers.host ?? 'localhost';
  const target = request.url ?? '/';
  if (!VALID_HOST.test(host) || target[0] !== '/' || target.includes('\\')) return null;
  const scheme = (request.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http';
  let url: URL;
  try {
    url = new URL(`${scheme}://${host}${target}`);
  } catch {
    return null;
  }
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers.append(name, Array.isArray(value) ? (value[0] ?? '') : value);
  }
  return new Request(url, { headers });
}

// Hop-by-hop and handshake headers belong to `ws`, not to the app's answer.
const HANDSHAKE_HEADERS = new Set(['connection', 'content-length', 'keep-alive', 'transfer-encoding', 'upgrade', 'sec-websocket-accept', 'sec-websocket-extensions', 'sec-websocket-protocol']);

function appendHeaders(lines: string[], headers: Headers): void {
  headers.forEach((value, name) => {
    if (!HANDSHAKE_HEADERS.has(name)) lines.push(`${name}: ${value}`);
  });
}

/** A refused upgrade is a status line and headers on the raw socket (there is no HTTP response object). */
function refuse(socket: Duplex, status: number, headers?: Headers): void {
  if (socket.destroyed) return;
  const lines = ['Connection: close', 'Content-Length: 0'];
  if (headers) appendHeaders(lines, headers);
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n${lines.join('\r\n')}\r\n\r\n`);
}
