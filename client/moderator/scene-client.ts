/**
 * The panel's live model of its room: the server's scene (the truth, from scene.full and
 * scene.patch), this panel's optimistic previews on top, the ops it sends and its undo history;
 * what the room tells panels besides the scene is `news` (room-news.ts). Components read it
 * and re-render when it says so; it knows nothing about the DOM.
 */
import type { ModeratorClientMessage, ServerMessage } from '../../src/protocol/messages.ts';
import type { Item } from '../../src/protocol/scene.ts';
import type { Socket, SocketStatus } from '../shared/socket.ts';
import { createPanelSocket } from './panel-socket.ts';
import { SceneTracker, applyPatch } from '../shared/scene-tracker.ts';
import { sortByZ } from '../shared/renderer.tsx';
import { serverClock } from '../shared/server-clock.ts';
import { errorText } from './i18n.ts';
import { OpSender, opKey, type ItemFields, type OpFailure, type PanelOp } from './op-sender.ts';
import { UndoStack, patchStep, reorderStep } from './undo-stack.ts';
import { randomId } from './random-id.ts';
import { PendingEdits, type Gesture } from './pending-edits.ts';
import { RoomNews } from './room-news.ts';
import { mayDo, type SessionAccess } from './session-grant.ts';

export type { RoomStatus, TtsEntry } from './room-news.ts';
export type NoticeKind = 'conflict' | 'refused' | 'offline' | 'lost';
export interface Notice {
  id: number;
  kind: NoticeKind;
  message?: string;
}

/** Per dragged item: at most one op every 34 ms, i.e. under 30 ops/s. */
export const STREAM_INTERVAL_MS = 34;

export interface SceneClientOptions {
  room: string;
  /** `draft`: this client shows and edits the room's shared draft. */
  stage?: 'live' | 'draft';
  /** Resolves false when the session is gone (HTTP 401). */
  sessionAlive(): Promise<boolean>;
  /** Whose scopes the panel shows controls for; absent: the streamer's (every scope). */
  access?: SessionAccess;
}

export class SceneClient {
  connection: SocketStatus = 'connecting';
  revoked = false;
  notice: Notice | null = null;
  selection: string | null = null;
  readonly news: RoomNews;

  private readonly tracker = new SceneTracker();
  private readonly edits = new PendingEdits();
  private readonly history = new UndoStack();
  private readonly sender: OpSender;
  private readonly socket: Socket<ModeratorClientMessage>;
  private readonly listeners = new Set<() => void>();
  private frame = 0;
  private noticeSeq = 0;

  constructor(private readonly options: SceneClientOptions) {
    this.news = new RoomNews(options.access ?? { role: 'streamer' });
    this.sender = new OpSender((msg) => this.socket.send(msg), {
      idle: (key, version) => this.settled(key, version),
      failed: (op, failure) => this.failed(op, failure),
    });
    this.socket = createPanelSocket({
      room: options.room,
      stage: this.stage,
      sinceVersion: () => (this.tracker.hasScene ? this.tracker.version : null),
      sessionAlive: options.sessionAlive,
      onMessage: (msg) => this.onMessage(msg),
      onOpen: () => {
        // The transport progress and "show for N s" need the server clock soon, not in 15 s.
        for (const ms of [0, 1000]) setTimeout(() => this.socket.send({ type: 'ping', client_ts: Date.now() }), ms);
        if (this.tracker.hasScene) this.socket.send(this.tracker.resync());
        this.sendPresence();
      },
      onDrop: () => this.onDrop(),
      onRevoked: () => {
        this.revoked = true;
        this.changed();
      },
      onStatus: (status) => {
        this.connection = status;
        this.changed();
      },
    });
  }

  // ---- reading ---------------------------------------------------------------------

  /** The scene as this panel shows it: the server's items with our previews on top. */
  get items(): readonly Item[] {
    return this.edits.over(this.tracker.items);
  }

  get room(): string {
    return this.options.room;
  }

  get stage(): 'live' | 'draft' {
    return this.options.stage ?? 'live';
  }

  get version(): number {
    return this.tracker.version;
  }

  get hasScene(): boolean {
    return this.tracker.hasScene;
  }

  item(id: string | null): Item | undefined {
    return id === null ? undefined : this.items.find((item) => item.id === id);
  }

  /** True while this panel shows changes the server has not confirmed yet. */
  get settling(): boolean {
    return this.edits.active;
  }

  get canUndo(): boolean {
    return this.history.canUndo;
  }

  get canRedo(): boolean {
    return this.history.canRedo;
  }

  /** Whether this session may do `type` on this panel's stage (to `item`): what to show or disable. */
  may(type: string, item?: Pick<Item, 'id' | 'name'>): boolean {
    return mayDo(this.news.grant, this.stage, type, item);
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // ---- selection and presence ------------------------------------------------------

  select(id: string | null): void {
    if (this.selection === id) return;
    this.selection = id;
    this.sendPresence();
    this.changed();
  }

  // ---- gestures: drags, resizes, nudges, form edits ---------------------------------

  /** A drag or resize step: shown at once, streamed to the server at most every 34 ms. */
  stream(id: string, changes: ItemFields): void {
    // A drag that lost a conflict must not carry on over the newer change.
    if (this.edits.isAborted(id)) return;
    const gesture = this.begin(id);
    if (!gesture) return;
    this.preview(id, changes, gesture);
    const wait = gesture.lastSent + STREAM_INTERVAL_MS - performance.now();
    if (wait <= 0) this.sendGesture(id, gesture);
    else gesture.streamTimer ??= setTimeout(() => {
      gesture.streamTimer = undefined;
      if (this.edits.gesture(id) === gesture) this.sendGesture(id, gesture);
    }, wait);
  }

  /** A batched edit (arrow nudges, typing in a field): shown at once, sent after `delayMs` quiet. */
  edit(id: string, changes: ItemFields, delayMs: number): void {
    // A keystroke is a fresh intent, made on what the panel shows now.
    this.edits.unabort(id);
    const gesture = this.begin(id);
    if (!gesture) return;
    this.preview(id, changes, gesture);
    clearTimeout(gesture.debounceTimer);
    gesture.debounceTimer = setTimeout(() => this.end(id), delayMs);
  }

  /** A one-shot change (a checkbox, a select): one op, one undo step. */
  change(id: string, changes: ItemFields): void {
    this.edits.unabort(id);
    const gesture = this.begin(id);
    if (!gesture) return;
    this.preview(id, changes, gesture);
    this.end(id);
  }

  /** Finish a gesture: the final state is always sent, and it becomes one undo step. */
  end(id: string): void {
    if (this.edits.unabort(id)) return;
    const gesture = this.edits.finish(id);
    if (!gesture) return;
    const after = this.item(id);
    const step = after ? patchStep(gesture.before, after, gesture.keys) : null;
    if (step || gesture.sent) this.sendGesture(id, gesture);
    else this.release(id);
    if (step) this.history.push(step);
    this.changed();
  }

  /** Finish every open gesture (before undo, so undo sees their steps). */
  endAll(): void {
    for (const id of this.edits.openIds()) this.end(id);
  }

  // ---- one-shot ops ------------------------------------------------------------------

  /** Transport and timer buttons: the room states them in its clock; not an undo step. */
  command(op: Extract<PanelOp, { type: 'cue' | 'timer' }>): void {
    this.sender.send(op, this.tracker.version);
  }

  add(item: Item): void {
    this.sender.send({ type: 'add', item }, this.tracker.version);
    this.history.push({ undo: [{ type: 'remove', id: item.id }], redo: [{ type: 'add', item }] });
  }

  remove(id: string): void {
    this.end(id);
    const item = this.item(id);
    if (!item) return;
    this.sender.send({ type: 'remove', id }, this.tracker.version);
    this.history.push({ undo: [{ type: 'add', item }], redo: [{ type: 'remove', id }] });
    if (this.selection === id) this.select(null);
  }

  duplicate(id: string): string | undefined {
    const item = this.item(id);
    if (!item) return;
    const top = Math.max(...this.items.map((i) => i.z));
    const copy: Item = { ...item, id: randomId(), x: item.x + 24, y: item.y + 24, z: top + 1, locked: false };
    this.add(copy);
    return copy.id;
  }

  toEdge(id: string, edge: 'bringToFront' | 'sendToBack'): void {
    this.end(id);
    const item = this.item(id);
    if (!item) return;
    this.sender.send({ type: edge, id }, this.tracker.version);
    this.history.push({ undo: [{ type: 'patch', id, changes: { z: item.z } }], redo: [{ type: edge, id }] });
  }

  /** Move an item to `index` in paint order (0 = bottom); z values are renumbered 0..n-1. */
  reorder(id: string, index: number): void {
    const step = reorderStep(sortByZ(this.items), id, index);
    if (!step) return;
    step.redo.forEach((op) => this.sender.send(op, this.tracker.version));
    this.history.push(step);
  }

  clear(): void {
    this.endAll();
    const items = this.items;
    if (items.length === 0) return;
    this.sender.send({ type: 'clear' }, this.tracker.version);
    this.history.push({ undo: items.map((item) => ({ type: 'add', item })), redo: [{ type: 'clear' }] });
    this.select(null);
  }

  undo(): void {
    this.endAll();
    this.history.undo()?.undo.forEach((op) => this.replay(op));
    this.changed();
  }

  redo(): void {
    this.endAll();
    this.history.redo()?.redo.forEach((op) => this.replay(op));
    this.changed();
  }

  dismissNotice(): void {
    this.notice = null;
    this.changed();
  }

  close(): void {
    this.socket.close();
    cancelAnimationFrame(this.frame);
  }

  // ---- internals ---------------------------------------------------------------------

  private onMessage(msg: ServerMessage): void {
    switch (msg.type) {
      case 'scene.full':
      case 'scene.patch': {
        const had = this.selection !== null && this.tracker.items.some((item) => item.id === this.selection);
        const result = this.tracker.accept(msg);
        if (result === 'resync') this.socket.send(this.tracker.resync());
        if (result !== 'applied') return;
        this.edits.prune(this.tracker.version);
        // Only a removal deselects: a just-added item may not have arrived yet.
        if (had && !this.tracker.items.some((item) => item.id === this.selection)) this.select(null);
        break;
      }
      case 'ack':
      case 'error':
        this.sender.receive(msg);
        break;
      case 'pong':
        serverClock.fromPong(msg.server_ts, msg.client_ts);
        return;
      default:
        if (!this.news.accept(msg)) return;
    }
    this.changed();
  }

  private onDrop(): void {
    // What was in flight may or may not have landed; the resync on reconnect shows the truth.
    const lost = this.sender.reset();
    this.edits.abortAll();
    if (lost.length > 0) this.notify('lost');
    this.changed();
  }

  /**
   * Undo and redo are based on our own last change to the item: if someone changed it since,
   * the server refuses (conflict) rather than undoing their work. `clear` touches every item,
   * so it is based on the scene as shown.
   */
  private replay(op: PanelOp): void {
    const key = opKey(op);
    this.sender.send(op, key === '*' ? this.tracker.version : (this.sender.knownVersion(key) ?? this.tracker.version));
  }

  private begin(id: string): Gesture | undefined {
    const open = this.edits.gesture(id);
    if (open) return open;
    const item = this.item(id);
    return item ? this.edits.begin(item, this.tracker.version) : undefined;
  }

  private preview(id: string, changes: ItemFields, gesture: Gesture): void {
    this.edits.preview(id, changes, gesture);
    this.changed();
  }

  private sendGesture(id: string, gesture: Gesture): void {
    const changes = this.edits.takeChanges(id, gesture);
    if (changes) this.sender.send({ type: 'patch', id, changes }, gesture.base);
  }

  /** Our last op for `key` landed at `version`: show the server's item once we have that version. */
  private settled(key: string, version: number): void {
    this.edits.settle(key, version, this.tracker.version);
  }

  /** A gesture that changed nothing: drop its preview unless older ops still need it. */
  private release(id: string): void {
    if (!this.sender.pending(id)) this.edits.drop(id);
  }

  private failed(op: PanelOp, failure: OpFailure): void {
    const key = opKey(op);
    this.edits.finish(key, true);
    // The server's state wins: drop what we showed, and take the item it sent, if any.
    this.edits.drop(key);
    if (failure.code === 'conflict' && failure.item !== undefined && key !== '*') {
      this.tracker.items = applyPatch(this.tracker.items, [failure.item ? { op: 'upsert', item: failure.item } : { op: 'remove', id: key }]);
    }
    this.edits.invalidate();
    if (failure.code === 'conflict') this.notify('conflict');
    else if (failure.code === 'offline') this.notify('offline');
    else this.notify('refused', errorText(failure.code, failure.message));
    this.changed();
  }

  private notify(kind: NoticeKind, message?: string): void {
    this.notice = { id: ++this.noticeSeq, kind, ...(message ? { message } : {}) };
  }

  private sendPresence(): void {
    this.socket.send({ type: 'presence', selection: this.selection === null ? null : [this.selection] });
  }

  /** Coalesce re-renders to one per frame; a timer covers pages whose frames are throttled. */
  private changed(): void {
    if (this.frame) return;
    const flush = () => {
      if (!this.frame) return;
      cancelAnimationFrame(this.frame);
      this.frame = 0;
      for (const listener of this.listeners) listener();
    };
    this.frame = requestAnimationFrame(flush);
    setTimeout(flush, 100);
  }
}
