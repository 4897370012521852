/**
 * Undo and redo of this panel's own ops. Each step holds the ops that undo it and the ops
 * that redo it; both go through the server like any op, so other panels see them and a
 * conflicting undo loses to a newer change like anything else.
 */
import type { Item } from '../../src/protocol/scene.ts';
import type { ItemFields, PanelOp } from './op-sender.ts';

export interface UndoStep {
  undo: PanelOp[];
  redo: PanelOp[];
}

const LIMIT = 200;

export class UndoStack {
  private past: UndoStep[] = [];
  private future: UndoStep[] = [];

  push(step: UndoStep): void {
    this.past.push(step);
    if (this.past.length > LIMIT) this.past.shift();
    this.future = [];
  }

  undo(): UndoStep | undefined {
    const step = this.past.pop();
    if (step) this.future.push(step);
    return step;
  }

  redo(): UndoStep | undefined {
    const step = this.future.pop();
    if (step) this.past.push(step);
    return step;
  }

  get canUndo(): boolean {
    return this.past.length > 0;
  }

  get canRedo(): boolean {
    return this.future.length > 0;
  }
}

/**
 * What an unset optional field means to the renderer: a patch cannot delete a field, so
 * undoing "set bg" writes the value that looks like "no bg".
 */
const UNSET: ItemFields = {
  name: '', text: '', fontSize: 48, fontFamily: '', fontWeight: 'normal', align: 'left', color: '', bg: '',
  src: '', loop: false, volume: 1, muted: false, webrtcToken: '',
};

/** The fields of `item` named in `keys`, with unset ones written as their neutral value. */
export function fieldsOf(item: Item, keys: Iterable<string>): ItemFields {
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    const value = (item as Record<string, unknown>)[key] ?? (UNSET as Record<string, unknown>)[key];
    if (value !== undefined) out[key] = value;
  }
  return out as ItemFields;
}

/** A patch step from the item before and after, or null when nothing changed. */
export function patchStep(before: Item, after: Item, keys: Iterable<string>): UndoStep | null {
  const from = fieldsOf(before, keys);
  const to = fieldsOf(after, keys);
  const changed = Object.keys(to).filter((k) => (from as Record<string, unknown>)[k] !== (to as Record<string, unknown>)[k]);
  if (changed.length === 0) return null;
  const pick = (fields: ItemFields): PanelOp[] => {
    const changes = Object.fromEntries(changed.flatMap((k) => ((fields as Record<string, unknown>)[k] === undefined ? [] : [[k, (fields as Record<string, unknown>)[k]]])));
    // A field with no neutral value (webrtcRoom) cannot be written back to "unset": skip it.
    return Object.keys(changes).length ? [{ type: 'patch', id: before.id, changes: changes as ItemFields }] : [];
  };
  return { undo: pick(from), redo: pick(to) };
}

/**
 * Moving `id` to `index` in paint order (`order` bottom first; 0 = bottom): z values become
 * 0..n-1, and only the items whose z changes get a patch. Null when nothing moves.
 */
export function reorderStep(order: readonly Item[], id: string, index: number): UndoStep | null {
  const from = order.findIndex((item) => item.id === id);
  if (from === -1) return null;
  const next = [...order];
  const [moved] = next.splice(from, 1);
  next.splice(Math.max(0, Math.min(index, next.length)), 0, moved!);
  const undo: PanelOp[] = [];
  const redo: PanelOp[] = [];
  next.forEach((item, z) => {
    if (item.z === z) return;
    undo.push({ type: 'patch', id: item.id, changes: { z: item.z } });
    redo.push({ type: 'patch', id: item.id, changes: { z } });
  });
  return redo.length === 0 ? null : { undo, redo };
}
