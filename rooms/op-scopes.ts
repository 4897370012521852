/**
 * The scope check for scene ops, shared by the moderator socket and the HTTP ops route: which
 * items an op touches (as stored before it, and as it leaves them) and whether the grant may.
 */
import type { Item } from '../src/protocol/scene.ts';
import { missingScope, type Grant, type Refusal, type ScopedItem } from '../src/protocol/scopes.ts';

/** The parts of any op the check reads; production ops (take, preset.*, revert) carry no item. */
export interface ScopedOp {
  type: string;
  stage?: 'live' | 'draft';
  id?: string;
  item?: { id: string; name?: string };
  changes?: { name?: string };
}

/** Null when `grant` (absent: the streamer) may apply `op`; `find` looks items up in the scene the op targets. */
export function opRefusal(grant: Grant | undefined, op: ScopedOp, find: (id: string) => Item | undefined): Refusal | null {
  if (!grant) return null;
  const action = { type: op.type, stage: op.stage };
  const touched = touchedItems(op, find);
  if (touched.length === 0) return missingScope(grant, action);
  for (const item of touched) {
    const refusal = missingScope(grant, action, item);
    if (refusal) return refusal;
  }
  return null;
}

/** The item before the op and after it: renaming must not carry an item out of (or into) the filter. */
function touchedItems(op: ScopedOp, find: (id: string) => Item | undefined): ScopedItem[] {
  const id = op.item?.id ?? op.id;
  if (id === undefined) return [];
  const stored = find(id);
  const out: ScopedItem[] = [];
  if (stored) out.push({ id, ...(stored.name !== undefined ? { name: stored.name } : {}) });
  if (op.item) out.push({ id, ...(op.item.name !== undefined ? { name: op.item.name } : {}) });
  else if (op.changes?.name !== undefined) out.push({ id, name: op.changes.name });
  if (out.length === 0) out.push({ id });
  return out;
}
