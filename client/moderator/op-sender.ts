/**
 * Sends this panel's scene ops, one op in flight per item. Two reasons: `base_version` must
 * name a version that includes our own previous change to the item (else our own drag
 * stream would conflict with itself), and while one op is in flight the next ones for that
 * item coalesce, so a drag sends its latest position rather than every step.
 *
 * Each op comes with the scene version the moderator's decision was based on (when the drag
 * began, when the key was pressed); it goes out as that version or our own newer ack for the
 * item, never as "whatever we have now", so a change by someone else that arrives meanwhile
 * makes the op conflict instead of being overwritten.
 */
import type { ModeratorClientMessage, ServerMessage } from '../../src/protocol/messages.ts';
import type { Item } from '../../src/protocol/scene.ts';

import type { CueAction, TimerAction } from '../../src/protocol/playback.ts';

export type ItemFields = Partial<Omit<Item, 'id' | 'kind'>>;

/** The ops a panel makes; `update` (the FastAPI version's whole-item write) is never needed here. */
export type PanelOp =
  | { type: 'add'; item: Item }
  | { type: 'patch'; id: string; changes: ItemFields }
  | { type: 'remove'; id: string }
  | { type: 'bringToFront' | 'sendToBack'; id: string }
  | { type: 'clear' }
  | { type: 'cue'; id: string; action: CueAction }
  | { type: 'timer'; id: string; action: TimerAction };

export interface OpFailure {
  code: string;
  message: string;
  /** With `conflict`: the item as the server has it now (null: it is gone). */
  item?: Item | null;
}

export interface SenderEvents {
  /** Nothing is queued or in flight for `key` any more; the last op landed at `version`. */
  idle(key: string, version: number): void;
  failed(op: PanelOp, failure: OpFailure): void;
}

type ErrorMessage = Extract<ServerMessage, { type: 'error' }>;
interface Queued {
  op: PanelOp;
  base: number;
}

/** Ops on one item queue behind each other; `clear` has a queue of its own. */
export const opKey = (op: PanelOp): string => (op.type === 'clear' ? '*' : op.type === 'add' ? op.item.id : op.id);

export class OpSender {
  private seq = 0;
  private readonly inflight = new Map<string, { op: PanelOp; key: string }>();
  private readonly busy = new Set<string>();
  private readonly waiting = new Map<string, Queued[]>();
  /** Per item: the version of our own last acked op on it. */
  private readonly known = new Map<string, number>();

  constructor(
    private readonly transmit: (msg: ModeratorClientMessage) => boolean,
    private readonly events: SenderEvents,
  ) {}

  /** `base`: the scene version the moderator saw when deciding this op (ignored for `add`). */
  send(op: PanelOp, base: number): void {
    const key = opKey(op);
    if (!this.busy.has(key)) return this.transmitNow(key, { op, base });
    const queue = this.waiting.get(key) ?? [];
    const last = queue[queue.length - 1];
    if (last?.op.type === 'patch' && op.type === 'patch') {
      // Merged values were decided at two versions: claim only the older one.
      queue[queue.length - 1] = { op: { ...last.op, changes: { ...last.op.changes, ...op.changes } }, base: Math.min(last.base, base) };
    } else queue.push({ op, base });
    this.waiting.set(key, queue);
  }

  /** The version of our own last acked op on `key`: what undo of it is based on. */
  knownVersion(key: string): number | undefined {
    return this.known.get(key);
  }

  /** True while an op for `key` is queued or in flight. */
  pending(key: string): boolean {
    return this.busy.has(key);
  }

  /** Feed every server message; ack and error for our req_ids are ours. */
  receive(msg: ServerMessage): void {
    if (msg.type === 'ack') this.acked(msg.req_id, msg.version);
    else if (msg.type === 'error') this.refused(msg);
  }

  /**
   * The socket closed: what was in flight may or may not have landed, and the resync on
   * reconnect shows which. Returns the ops given up on.
   */
  reset(): PanelOp[] {
    const lost = [...[...this.inflight.values()].map((s) => s.op), ...[...this.waiting.values()].flat().map((q) => q.op)];
    this.inflight.clear();
    this.busy.clear();
    this.waiting.clear();
    this.known.clear();
    return lost;
  }

  private transmitNow(key: string, { op, base }: Queued): void {
    const req_id = `r${++this.seq}`;
    const base_version = Math.max(base, this.known.get(key) ?? 0);
    // A new id has no history to conflict with; everything else is conditional.
    const msg = op.type === 'add' ? { ...op, req_id } : { ...op, req_id, base_version };
    this.busy.add(key);
    this.inflight.set(req_id, { op, key });
    if (this.transmit(msg as ModeratorClientMessage)) return;
    this.inflight.delete(req_id);
    this.busy.delete(key);
    this.waiting.delete(key);
    this.events.failed(op, { code: 'offline', message: 'not connected' });
  }

  private acked(reqId: string | number | undefined, version: number): void {
    const sent = reqId === undefined ? undefined : this.inflight.get(String(reqId));
    if (!sent) return;
    this.inflight.delete(String(reqId));
    this.known.set(sent.key, Math.max(this.known.get(sent.key) ?? 0, version));
    const queue = this.waiting.get(sent.key);
    const next = queue?.shift();
    if (queue && queue.length === 0) this.waiting.delete(sent.key);
    this.busy.delete(sent.key);
    if (next) this.transmitNow(sent.key, next);
    else this.events.idle(sent.key, version);
  }

  private refused(msg: ErrorMessage): void {
    const sent = msg.req_id === undefined ? undefined : this.inflight.get(String(msg.req_id));
    if (!sent) return;
    this.inflight.delete(String(msg.req_id));
    // `known` stays at our own last change: a later undo must still see the newer one and conflict.
    // What was queued behind it was built on a state the server just refused: drop it too.
    this.waiting.delete(sent.key);
    this.busy.delete(sent.key);
    this.events.failed(sent.op, { code: msg.code, message: msg.message, ...(msg.item !== undefined ? { item: msg.item } : {}) });
  }
}
