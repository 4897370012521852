/**
 * `hideAt`: the room commits `visible:false` when an item's time comes. One timer for the
 * earliest due item, re-armed after every commit. The store keeps `hideAt` itself, so a room
 * that was down at that moment applies a past one when it loads (see OverlayRoom.load).
 */
import type { Item } from '../src/protocol/scene.ts';
import type { EditOp } from '../src/protocol/messages.ts';

/** setTimeout holds at most 2^31−1 ms; a later hide re-arms when this one fires. */
const MAX_DELAY_MS = 2 ** 31 - 1;

/** The patches that hide every visible item whose `hideAt` has come, as of `now`. */
export function dueHides(items: Iterable<Item>, now: number, baseVersion: number): EditOp[] {
  const ops: EditOp[] = [];
  for (const item of items) {
    if (item.visible && typeof item.hideAt === 'number' && item.hideAt <= now) {
      // base_version: a moderator who changed the item in the meantime wins over the schedule.
      ops.push({ type: 'patch', id: item.id, changes: { visible: false, hideAt: null }, base_version: baseVersion });
    }
  }
  return ops;
}

export class ScheduledHides {
  private timer: ReturnType<typeof setTimeout> | null = null;

  /** `fire` is called at the earliest due time; it reads the room's state then. */
  constructor(private readonly fire: () => void) {}

  reschedule(items: Iterable<Item>, now = Date.now()): void {
    this.cancel();
    let next = Infinity;
    for (const item of items) if (item.visible && typeof item.hideAt === 'number') next = Math.min(next, item.hideAt);
    if (next === Infinity) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.fire();
    }, Math.min(MAX_DELAY_MS, Math.max(0, next - now)));
  }

  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
