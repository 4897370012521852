/**
 * Client-side scene state: applying broadcast patches and deciding, per message, whether it
 * applies, is a duplicate, or reveals a gap that needs a resync. Pure: no DOM, no socket.
 */
import type { OverlayClientMessage, PatchOp, ServerMessage } from '../../src/protocol/messages.ts';
import type { Item } from '../../src/protocol/scene.ts';

export type ResyncMessage = Extract<OverlayClientMessage, { type: 'resync' }>;
export type TrackResult = 'applied' | 'ignored' | 'resync';

/** A resync that got no answer within this long may be asked for again. */
const RESYNC_RETRY_MS = 5000;

/**
 * Apply ops in order. Items travel whole, so an upsert replaces by id. The input array is
 * never mutated, and comes back as-is when nothing changed, so renderers can skip work.
 */
export function applyPatch(items: readonly Item[], ops: readonly PatchOp[]): readonly Item[] {
  let out = items;
  let copied = false;
  const writable = (): Item[] => {
    if (!copied) {
      out = out.slice();
      copied = true;
    }
    return out as Item[];
  };
  for (const op of ops) {
    if (op.op === 'upsert') {
      const at = out.findIndex((item) => item.id === op.item.id);
      if (at === -1) writable().push(op.item);
      else if (out[at] !== op.item) writable()[at] = op.item;
    } else if (op.op === 'remove') {
      const at = out.findIndex((item) => item.id === op.id);
      if (at !== -1) writable().splice(at, 1);
    } else if (op.op === 'clear') {
      if (out.length > 0) {
        out = [];
        copied = true;
      }
    }
  }
  return out;
}

/** Holds the scene a client shows and the version it is at. */
export class SceneTracker {
  items: readonly Item[] = [];
  /** -1 until the first scene.full: no patch can apply before a baseline exists. */
  version = -1;
  private resyncAskedAt = -Infinity;

  get hasScene(): boolean {
    return this.version >= 0;
  }

  accept(msg: ServerMessage, now = Date.now()): TrackResult {
    if (msg.type === 'scene.full') {
      this.items = msg.scene.items;
      this.version = msg.version;
      this.resyncAskedAt = -Infinity;
      return 'applied';
    }
    if (msg.type !== 'scene.patch') return 'ignored';
    if (this.hasScene && msg.version <= this.version) return 'ignored';
    if (this.hasScene && msg.version === this.version + 1) {
      this.items = applyPatch(this.items, msg.ops);
      this.version = msg.version;
      this.resyncAskedAt = -Infinity;
      return 'applied';
    }
    // A gap: every later patch is a gap too until the answer arrives, so ask only once.
    return now - this.resyncAskedAt >= RESYNC_RETRY_MS ? 'resync' : 'ignored';
  }

  /** The request to send; the server answers with the missing patches or a scene.full. */
  resync(now = Date.now()): ResyncMessage {
    this.resyncAskedAt = now;
    return this.hasScene ? { type: 'resync', since_version: this.version } : { type: 'resync' };
  }
}
