/**
 * One WebSocket (subprotocol `janus-protocol`) from our server to Janus, holding one Janus
 * session: transactions, keepalives, and reconnect with full-jitter backoff for as long as
 * the process runs. Each new session is a new `generation`: every handle of an older one is
 * gone (Janus restarted or the socket dropped), and listeners rebuild what they had.
 *
 * Portable: the WebSocket constructor is the runtime's global one unless the edge injects
 * another (Node 20 has none without a flag; the Node edge passes `ws`).
 */
import type { Logger } from '../../logger.ts';
import { coreToken } from './janus-auth.ts';
import { JanusHandle, type JanusEvent, type PluginReply } from './janus-handle.ts';

export interface WebSocketLike {
  readonly readyState: number;
  onopen: ((event: unknown) => void) | null;
  onclose: ((event: unknown) => void) | null;
  onerror: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;

export interface JanusClientOptions {
  url: string;
  /** Janus's token_auth_secret; without it no token is sent (a Janus without token_auth). */
  tokenSecret?: string;
  log: Logger;
  WebSocket?: WebSocketConstructor;
  /** Janus drops a session silent for session_timeout (60 s in our template). */
  keepaliveMs?: number;
  requestTimeoutMs?: number;
}

export class JanusError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'JanusError';
  }
}

/** Thrown for any request while there is no session: the caller tells its client the SFU is away. */
export class JanusUnavailable extends Error {
  constructor(message = 'the media server (Janus) is not reachable; retrying') {
    super(message);
    this.name = 'JanusUnavailable';
  }
}

interface Pending {
  resolve(reply: Record<string, unknown>): void;
  reject(error: Error): void;
  timer: ReturnType<typeof setTimeout>;
  /** `message` requests are answered with `ack` first and the plugin's `event` later. */
  awaitsEvent: boolean;
}

const OPEN = 1;
const BACKOFF_START_MS = 250;
const BACKOFF_CAP_MS = 10_000;
/** Core tokens are re-signed long before they expire. */
const TOKEN_LIFETIME_S = 24 * 3600;

export class JanusClient {
  private socket: WebSocketLike | null = null;
  private sessionId: number | null = null;
  private readonly pending = new Map<string, Pending>();
  private readonly handles = new Map<number, JanusHandle>();
  private readonly readyListeners = new Set<(generation: number) => void>();
  private readonly lostListeners = new Set<(generation: number) => void>();
  private keepaliveTimer: ReturnType<typeof setInterval> | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private attempts = 0;
  private closed = false;
  private token: { value: string; renewAt: number } | null = null;
  private nextTransaction = 0;
  /** Increments with every new Janus session; 0 until the first. */
  generation = 0;
  lastError: string | null = null;

  constructor(private readonly opts: JanusClientOptions) {}

  get ready(): boolean {
    return this.sessionId !== null && this.socket?.readyState === OPEN;
  }

  start(): void {
    this.closed = false;
    this.connect();
  }

  /** Called with the new generation each time a session is up; returns an unsubscribe. */
  onReady(listener: (generation: number) => void): () => void {
    this.readyListeners.add(listener);
    return () => this.readyListeners.delete(listener);
  }

  /** Called when the session is lost (its handles are gone). */
  onLost(listener: (generation: number) => void): () => void {
    this.lostListeners.add(listener);
    return () => this.lostListeners.delete(listener);
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
    if (this.sessionId !== null && this.ready) this.fire({ janus: 'destroy', session_id: this.sessionId });
    this.teardown('client closed');
  }

  /** A new handle on the VideoRoom plugin, in this session. */
  async attach(role: JanusHandle['role']): Promise<JanusHandle> {
    const reply = await this.request({ janus: 'attach', plugin: 'janus.plugin.videoroom' });
    const id = (reply.data as { id?: number } | undefined)?.id;
    if (typeof id !== 'number') throw new JanusError(0, 'attach answered without a handle id');
    const handle = new JanusHandle(this, id, role, this.generation);
    this.handles.set(id, handle);
    return handle;
  }

  /** @internal Used by JanusHandle. */
  forget(handleId: number): void {
    this.handles.delete(handleId);
  }

  /**
   * Send one request in the current session and wait for its answer: `success` (or, for a
   * plugin `message`, the plugin's `event` with the same transaction). Rejects with
   * JanusError on an error answer, JanusUnavailable when there is no session.
   */
  async request(body: Record<string, unknown>, options: { handleId?: number; awaitsEvent?: boolean } = {}): Promise<Record<string, unknown>> {
    if (!this.ready || this.sessionId === null) throw new JanusUnavailable(this.lastError ? `the media server (Janus) is not reachable (${this.lastError}); retrying` : undefined);
    const transaction = `t${++this.nextTransaction}`;
    const message = {
      ...body,
      transaction,
      session_id: this.sessionId,
      ...(options.handleId !== undefined ? { handle_id: options.handleId } : {}),
      ...(await this.tokenField()),
    };
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(transaction);
        reject(new JanusError(0, `Janus did not answer ${String(body.janus)} in time`));
      }, this.opts.requestTimeoutMs ?? 10_000);
      this.pending.set(transaction, { resolve, reject, timer, awaitsEvent: options.awaitsEvent ?? false });
      if (!this.fire(message)) {
        clearTimeout(timer);
        this.pending.delete(transaction);
        reject(new JanusUnavailable());
      }
    });
  }

  private connect(): void {
    if (this.closed) return;
    const Ctor = this.opts.WebSocket ?? (globalThis as unknown as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (!Ctor) {
      this.lastError = 'no WebSocket implementation in this runtime';
      this.opts.log.error('janus: no WebSocket constructor; the SFU stays off');
      return;
    }
    let socket: WebSocketLike;
    try {
      socket = new Ctor(this.opts.url, 'janus-protocol');
    } catch (error) {
      this.lastError = String(error);
      this.scheduleRetry();
      return;
    }
    this.socket = socket;
    socket.onopen = () => void this.createSession(socket);
    socket.onmessage = (event) => {
      if (socket !== this.socket) return;
      this.dispatch(typeof event.data === 'string' ? event.data : String(event.data));
    };
    socket.onerror = () => {
      this.lastError = 'connection error';
    };
    socket.onclose = () => {
      if (socket !== this.socket) return;
      this.lastError ??= 'connection closed';
      this.teardown('connection closed');
      this.scheduleRetry();
    };
  }

  private async createSession(socket: WebSocketLike): Promise<void> {
    const transaction = `t${++this.nextTransaction}`;
    const created = new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new JanusError(0, 'create timed out')), this.opts.requestTimeoutMs ?? 10_000);
      this.pending.set(transaction, { resolve, reject, timer, awaitsEvent: false });
    });
    this.fire({ janus: 'create', transaction, ...(await this.tokenField()) });
    try {
      const reply = await created;
      const id = (reply.data as { id?: number } | undefined)?.id;
      if (socket !== this.socket || typeof id !== 'number') throw new JanusError(0, 'create answered without a session id');
      this.sessionId = id;
      this.attempts = 0;
      this.lastError = null;
      this.generation++;
      this.keepaliveTimer = setInterval(() => this.keepalive(), this.opts.keepaliveMs ?? 15_000);
      (this.keepaliveTimer as unknown as { unref?: () => void }).unref?.();
      this.opts.log.info('janus session up', { url: this.opts.url, generation: this.generation });
      for (const listener of this.readyListeners) listener(this.generation);
    } catch (error) {
      this.lastError = error instanceof Error ? error.message : String(error);
      this.opts.log.warn('janus: could not create a session', { error: this.lastError });
      try {
        socket.close();
      } catch {
        // Closing is best effort; onclose schedules the retry.
      }
    }
  }

  private keepalive(): void {
    if (!this.ready) return;
    this.request({ janus: 'keepalive' }).catch((error: unknown) => {
      this.opts.log.warn('janus keepalive failed', { error: String(error) });
    });
  }

  private dispatch(text: string): void {
    let message: Record<string, unknown>;
    try {
      message = JSON.parse(text) as Record<string, unknown>;
    } catch {
      this.opts.log.warn('janus sent something that is not JSON');
      return;
    }
    const kind = message.janus;
    const transaction = typeof message.transaction === 'string' ? message.transaction : undefined;
    const pending = transaction ? this.pending.get(transaction) : undefined;
    if (pending && (kind === 'success' || kind === 'error' || (kind === 'ack' && !pending.awaitsEvent) || (kind === 'event' && pending.awaitsEvent))) {
      this.pending.delete(transaction!);
      clearTimeout(pending.timer);
      const error = kind === 'error' ? (message.error as { code?: number; reason?: string } | undefined) : pluginError(message);
      if (error) pending.reject(new JanusError(error.code ?? 0, error.reason ?? 'Janus refused the request'));
      else pending.resolve(message);
      return;
    }
    if (kind === 'ack' || kind === 'keepalive') return;
    if (kind === 'timeout') {
      // Janus dropped our session (we were silent too long): start over with a fresh one.
      this.opts.log.warn('janus session timed out');
      this.socket?.close();
      return;
    }
    const sender = typeof message.sender === 'number' ? message.sender : undefined;
    const handle = sender !== undefined ? this.handles.get(sender) : undefined;
    handle?.deliver(message as unknown as JanusEvent);
  }

  private fire(message: Record<string, unknown>): boolean {
    if (this.socket?.readyState !== OPEN) return false;
    try {
      this.socket.send(JSON.stringify(message));
      return true;
    } catch {
      return false;
    }
  }

  private async tokenField(): Promise<{ token?: string }> {
    if (!this.opts.tokenSecret) return {};
    const now = Math.floor(Date.now() / 1000);
    if (!this.token || now >= this.token.renewAt) {
      this.token = { value: await coreToken(this.opts.tokenSecret, now + TOKEN_LIFETIME_S), renewAt: now + TOKEN_LIFETIME_S / 2 };
    }
    return { token: this.token.value };
  }

  private teardown(reason: string): void {
    clearInterval(this.keepaliveTimer);
    const hadSession = this.sessionId !== null;
    this.sessionId = null;
    const socket = this.socket;
    this.socket = null;
    if (socket) {
      socket.onopen = socket.onmessage = socket.onclose = socket.onerror = null;
      try {
        socket.close();
      } catch {
        // Already closed.
      }
    }
    for (const [transaction, pending] of this.pending) {
      clearTimeout(pending.timer);
      pending.reject(new JanusUnavailable());
      this.pending.delete(transaction);
    }
    const handles = [...this.handles.values()];
    this.handles.clear();
    for (const handle of handles) handle.deliver({ janus: 'detached', sender: handle.id });
    if (hadSession) {
      this.opts.log.warn('janus session lost', { reason, generation: this.generation });
      for (const listener of this.lostListeners) listener(this.generation);
    }
  }

  private scheduleRetry(): void {
    if (this.closed) return;
    clearTimeout(this.retryTimer);
    const cap = Math.min(BACKOFF_CAP_MS, BACKOFF_START_MS * 2 ** this.attempts++);
    this.retryTimer = setTimeout(() => this.connect(), Math.random() * cap);
    (this.retryTimer as unknown as { unref?: () => void }).unref?.();
  }
}

/** A plugin's refusal rides inside a successful transport reply. */
function pluginError(message: Record<string, unknown>): { code?: number; reason?: string } | null {
  const data = (message.plugindata as PluginReply['plugindata'] | undefined)?.data;
  if (data && typeof data.error_code === 'number') return { code: data.error_code, reason: typeof data.error === 'string' ? data.error : undefined };
  return null;
}
