/**
 * A room's scene as the room holds it: items by id in paint order of insertion, and for each
 * item the version of its last change (removed items keep theirs as a tombstone). Per-item
 * versions are what let two moderators edit different items without conflicting.
 */
import * as v from 'valibot';
import { Item, MAX_ITEMS, type Scene } from '../src/protocol/scene.ts';
import type { PatchOp, EditOp, ErrorCode } from '../src/protocol/messages.ts';

export interface SceneState {
  items: Map<string, Item>;
  itemVersions: Map<string, number>;
}

export type OpOutcome =
  | { ok: true; patch: PatchOp[] }
  | { ok: false; code: ErrorCode; message: string; item?: Item | null };

export const emptySceneState = (): SceneState => ({ items: new Map(), itemVersions: new Map() });

export const cloneSceneState = (state: SceneState): SceneState => ({
  items: new Map(state.items),
  itemVersions: new Map(state.itemVersions),
});

export const toScene = (state: SceneState): Scene => ({ items: [...state.items.values()] });

/** Stored form; the room owns it, the store only sees a string. */
const StoredSceneState = v.object({
  items: v.array(Item),
  item_versions: v.optional(v.record(v.string(), v.number()), {}),
});

export function serializeSceneState(state: SceneState): string {
  return JSON.stringify({ items: [...state.items.values()], item_versions: Object.fromEntries(state.itemVersions) });
}

/** A stored scene that no longer parses is reported, not silently replaced by an empty one. */
export function parseSceneState(data: string, version: number): SceneState {
  const parsed = v.parse(StoredSceneState, JSON.parse(data));
  const items = new Map(parsed.items.map((item) => [item.id, item]));
  const itemVersions = new Map(Object.entries(parsed.item_versions));
  for (const id of items.keys()) if (!itemVersions.has(id)) itemVersions.set(id, version);
  return { items, itemVersions };
}

/** Replace everything (HTTP PUT): every item counts as changed at `version`. */
export function replaceSceneState(state: SceneState, scene: Scene, version: number): void {
  for (const id of state.items.keys()) state.itemVersions.set(id, version);
  state.items = new Map(scene.items.map((item) => [item.id, item]));
  for (const id of state.items.keys()) state.itemVersions.set(id, version);
}

/**
 * Apply one op to `state` (mutated) as part of the batch that becomes `version`.
 * `base_version` makes an op conditional: it fails only when the item it touches changed
 * after that version.
 */
export function applySceneOp(state: SceneState, op: EditOp, version: number): OpOutcome {
  if (op.type === 'clear') {
    if (op.base_version !== undefined) {
      const newer = [...state.itemVersions.values()].some((changed) => changed > op.base_version!);
      if (newer) return conflict('the scene changed after base_version', null);
    }
    for (const id of state.items.keys()) state.itemVersions.set(id, version);
    state.items.clear();
    return { ok: true, patch: [{ op: 'clear' }] };
  }

  const id = op.type === 'add' || op.type === 'update' ? op.item.id : op.id;
  const current = state.items.get(id);
  const changedAt = state.itemVersions.get(id);
  if (op.base_version !== undefined && changedAt !== undefined && changedAt > op.base_version) {
    return conflict(`item ${id} changed after base_version`, current ?? null);
  }

  switch (op.type) {
    case 'add': {
      if (current) return { ok: false, code: 'duplicate_id', message: `an item with id ${id} already exists`, item: current };
      if (state.items.size >= MAX_ITEMS) return { ok: false, code: 'too_many_items', message: `a scene holds at most ${MAX_ITEMS} items` };
      return upsert(state, op.item, version);
    }
    case 'update': {
      // The seed's `update` carried the whole item; a missing one is created, as the seed did.
      if (!current && state.items.size >= MAX_ITEMS) {
        return { ok: false, code: 'too_many_items', message: `a scene holds at most ${MAX_ITEMS} items` };
      }
      return upsert(state, op.item, version);
    }
    case 'patch': {
      if (!current) return notFound(id);
      const { content, ...changes } = op.changes;
      if (content !== undefined) changes[current.kind === 'text' ? 'text' : 'src'] ??= content;
      // Each field was checked alone; the merged item must still be a valid item (e.g. a src).
      const merged = v.safeParse(Item, { ...current, ...changes });
      if (!merged.success) {
        return { ok: false, code: 'bad_message', message: merged.issues[0]?.message ?? 'invalid changes', item: current };
      }
      return upsert(state, merged.output, version);
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
      const others = [...state.items.values()].filter((item) => item.id !== id).map((item) => item.z);
      const z =
        op.type === 'bringToFront'
          ? Math.max(current.z, others.length ? Math.max(...others) + 1 : current.z)
          : Math.min(current.z, others.length ? Math.min(...others) - 1 : current.z);
      if (z === current.z) return { ok: true, patch: [] };
      return upsert(state, { ...current, z }, version);
    }
  }
}

function upsert(state: SceneState, item: Item, version: number): OpOutcome {
  state.items.set(item.id, item);
  state.itemVersions.set(item.id, version);
  return { ok: true, patch: [{ op: 'upsert', item }] };
}

const notFound = (id: string): OpOutcome => ({ ok: false, code: 'not_found', message: `no item with id ${id}`, item: null });
const conflict = (message: string, item: Item | null): OpOutcome => ({ ok: false, code: 'conflict', message, item });
