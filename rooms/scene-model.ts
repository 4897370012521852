/**
 * A room's scene as the room holds it: items by id in paint order of insertion, and for each
 * item the version of its last change (removed items keep theirs as a tombstone until it falls
 * below the horizon). Per-item versions are what let two moderators edit different items
 * without conflicting.
 */
import * as v from 'valibot';
import { Item, MAX_ITEMS, MAX_Z, type Scene } from '../src/protocol/scene.ts';
import type { PatchOp, EditOp, ErrorCode } from '../src/protocol/messages.ts';

export interface SceneState {
  items: Map<string, Item>;
  itemVersions: Map<string, number>;
  /**
   * Tombstones older than this are pruned, so a `base_version` below it cannot be checked
   * against removed items: such an op conflicts on an item the room has no version for.
   */
  horizon: number;
}

export type OpOutcome =
  | { ok: true; patch: PatchOp[] }
  | { ok: false; code: ErrorCode; message: string; item?: Item | null };

/** A rule beyond the schema (e.g. allowed media origins): why `item` may not be stored, or null. */
export type ItemRefusal = (item: Item) => string | null;

export const emptySceneState = (): SceneState => ({ items: new Map(), itemVersions: new Map(), horizon: 0 });

export const cloneSceneState = (state: SceneState): SceneState => ({
  items: new Map(state.items),
  itemVersions: new Map(state.itemVersions),
  horizon: state.horizon,
});

export const toScene = (state: SceneState): Scene => ({ items: [...state.items.values()] });

export { loadSceneState, parseSceneState, serializeSceneState } from './stored-scene.ts';

/**
 * Move the horizon up to `horizon` and forget the tombstones below it: without this every
 * removed id stays in the stored scene forever and every commit rewrites them all.
 */
export function advanceHorizon(state: SceneState, horizon: number): void {
  if (horizon <= state.horizon) return;
  state.horizon = horizon;
  for (const [id, changed] of state.itemVersions) {
    if (changed < horizon && !state.items.has(id)) state.itemVersions.delete(id);
  }
}

/** How many removed ids the state still remembers. */
export const tombstoneCount = (state: SceneState): number => state.itemVersions.size - state.items.size;

/** Replace everything (HTTP PUT): every item counts as changed at `version`. */
export function replaceSceneState(state: SceneState, scene: Scene, version: number): void {
  for (const id of state.items.keys()) state.itemVersions.set(id, version);
  state.items = new Map(scene.items.map((item) => [item.id, item]));
  for (const id of state.items.keys()) state.itemVersions.set(id, version);
}

/**
 * Apply one op to `state` (mutated) as part of the batch that becomes `version`.
 * `base_version` makes an op conditional: it fails only when the item it touches changed
 * after that version. `refuse` is asked about every item an add, update or patch would store.
 */
export function applySceneOp(state: SceneState, op: EditOp, version: number, refuse: ItemRefusal = () => null): OpOutcome {
  // Below the horizon a removal may have been forgotten: only an item with a known version can be checked.
  if (op.base_version !== undefined && op.base_version < state.horizon && (op.type === 'clear' || !state.itemVersions.has(opTarget(op)))) {
    return conflict(`base_version ${op.base_version} is older than the oldest version this room can check (${state.horizon}); reload the scene`, null);
  }
  if (op.type === 'clear') {
    if (op.base_version !== undefined) {
      const newer = [...state.itemVersions.values()].some((changed) => changed > op.base_version!);
      if (newer) return conflict('the scene changed after base_version', null);
    }
    for (const id of state.items.keys()) state.itemVersions.set(id, version);
    state.items.clear();
    return { ok: true, patch: [{ op: 'clear' }] };
  }

  const id = opTarget(op);
  const current = state.items.get(id);
  const changedAt = state.itemVersions.get(id);
  if (op.base_version !== undefined && changedAt !== undefined && changedAt > op.base_version) {
    return conflict(`item ${id} changed after base_version`, current ?? null);
  }

  switch (op.type) {
    case 'add': {
      if (current) return { ok: false, code: 'duplicate_id', message: `an item with id ${id} already exists`, item: current };
      if (state.items.size >= MAX_ITEMS) return { ok: false, code: 'too_many_items', message: `a scene holds at most ${MAX_ITEMS} items` };
      return upsertUnlessRefused(state, op.item, version, refuse, current);
    }
    case 'update': {
      // The FastAPI version's `update` carried the whole item; a missing one is created, as the FastAPI version did.
      if (!current && state.items.size >= MAX_ITEMS) {
        return { ok: false, code: 'too_many_items', message: `a scene holds at most ${MAX_ITEMS} items` };
      }
      return upsertUnlessRefused(state, op.item, version, refuse, current);
    }
    case 'patch': {
      if (!current) return notFound(id);
      const { content, ...changes } = op.changes;
      // The legacy name wins over the new one, as in normaliseItemAliases.
      if (content !== undefined) changes[current.kind === 'text' ? 'text' : 'src'] = content;
      // Each field was checked alone; the merged item must still be a valid item (e.g. a src).
      const merged = v.safeParse(Item, { ...current, ...changes });
      if (!merged.success) {
        return { ok: false, code: 'bad_message', message: merged.issues[0]?.message ?? 'invalid changes', item: current };
      }
      return upsertUnlessRefused(state, merged.output, version, refuse, current);
    }
    case 'remove': {
      if (!current) return notFound(id);
      state.items.delete(id);
      state.itemVersions.set(id, version);
      return { ok: true, patch: [{ op: 'remove', id }] };
    }
    case 'bringToFront':
    case 'sendToBack': {
      if (!current) return notFound(id);
      const front = op.type === 'bringToFront';
      const others = [...state.items.values()].filter((item) => item.id !== id);
      if (others.length === 0) return { ok: true, patch: [] };
      const edge = others.reduce((z, item) => (front ? Math.max(z, item.z) : Math.min(z, item.z)), others[0]!.z);
      if (front ? current.z > edge : current.z < edge) return { ok: true, patch: [] };
      const z = front ? edge + 1 : edge - 1;
      if (Math.abs(z) <= MAX_Z) return upsert(state, [{ ...current, z }], version);
      // No room left at that end: re-number the whole paint order 0..n-1 instead of passing the bound.
      const ordered = [...others].sort((a, b) => a.z - b.z);
      const sequence = front ? [...ordered, current] : [current, ...ordered];
      return upsert(state, sequence.map((item, index) => ({ ...item, z: index })).filter((item, index) => item.z !== sequence[index]!.z), version);
    }
  }
}

function upsertUnlessRefused(state: SceneState, item: Item, version: number, refuse: ItemRefusal, current: Item | undefined): OpOutcome {
  const refusal = refuse(item);
  if (refusal) return { ok: false, code: 'bad_message', message: refusal, item: current ?? null };
  return upsert(state, [item], version);
}

/**
 * Every item a commit writes goes through here and is checked against the stored schema
 * first: an op that would store an item the next load could not read is refused whole.
 */
function upsert(state: SceneState, items: Item[], version: number): OpOutcome {
  const checked: Item[] = [];
  for (const item of items) {
    const parsed = v.safeParse(Item, item);
    if (!parsed.success) {
      const issue = parsed.issues[0];
      const where = issue ? v.getDotPath(issue) : null;
      return { ok: false, code: 'bad_message', message: `item ${item.id} would be invalid${where ? ` (${where})` : ''}: ${issue?.message ?? 'invalid item'}`, item: state.items.get(item.id) ?? null };
    }
    checked.push(parsed.output);
  }
  for (const item of checked) {
    state.items.set(item.id, item);
    state.itemVersions.set(item.id, version);
  }
  return { ok: true, patch: checked.map((item) => ({ op: 'upsert', item })) };
}

const opTarget = (op: Exclude<EditOp, { type: 'clear' }>): string => (op.type === 'add' || op.type === 'update' ? op.item.id : op.id);

const notFound = (id: string): OpOutcome => ({ ok: false, code: 'not_found', message: `no item with id ${id}`, item: null });
const conflict = (message: string, item: Item | null): OpOutcome => ({ ok: false, code: 'conflict', message, item });
