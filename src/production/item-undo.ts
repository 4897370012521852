/**
 * "Undo Bob's last change to this item": which kept versions changed one item, and putting that
 * one item back as it was just before such a version (re-added, removed or restored whole) as
 * ONE new live version, leaving every other item as it is now.
 */
import type { Item, Scene } from '../protocol/scene.ts';
import type { SceneOp } from '../protocol/messages.ts';
import type { HistoryEntry, SceneHistory } from '../store/scene-history.ts';
import { diffScenes, isEmptyDiff } from './scene-diff.ts';

/** How many entries a search for an item's changes reads per page of the history. */
const SEARCH_PAGE = 200;

/** The item as version `version` left it: undefined when absent, null when that version is not kept. */
async function itemAt(history: SceneHistory, version: number, id: string): Promise<Item | undefined | null> {
  // Every room starts empty at version 0, which history does not record.
  if (version === 0) return undefined;
  const found = await history.sceneAt(version);
  return found ? found.scene.items.find((item) => item.id === id) : null;
}

const sameItem = (a: Item | undefined, b: Item | undefined) => isEmptyDiff(diffScenes(sceneOf(a), sceneOf(b)));
const sceneOf = (item: Item | undefined): Scene => ({ items: item ? [item] : [] });

/**
 * Whether `entry` changed item `id`. A patch names its items; a whole-scene replace (take,
 * preset, revert, PUT) carries every item, so for those the item is compared across the version.
 */
export async function changedItem(history: SceneHistory, entry: HistoryEntry, id: string): Promise<boolean> {
  const named = entry.ops.some((op) => (op.op === 'upsert' ? op.item.id === id : op.op === 'remove' && op.id === id));
  if (!entry.ops.some((op) => op.op === 'clear')) return named;
  const [before, after] = await Promise.all([itemAt(history, entry.version - 1, id), itemAt(history, entry.version, id)]);
  // Unknown state before the oldest kept version: trust what the ops name.
  if (before === null || after === null) return named;
  return !sameItem(before, after);
}

/** Kept versions that changed item `id`, newest first, older than `before` when given. */
export async function changesToItem(history: SceneHistory, id: string, options: { limit: number; before?: number }): Promise<HistoryEntry[]> {
  const out: HistoryEntry[] = [];
  let before = options.before;
  for (;;) {
    const page = await history.list({ limit: SEARCH_PAGE, ...(before !== undefined ? { before } : {}) });
    for (const entry of page) {
      if (await changedItem(history, entry, id)) out.push(entry);
      if (out.length >= options.limit) return out;
    }
    if (page.length < SEARCH_PAGE) return out;
    before = page.at(-1)!.version;
  }
}

export type UndoPlan =
  | { ok: true; entry: HistoryEntry; op: SceneOp; restored: 'added' | 'removed' | 'restored'; was: Item | undefined }
  | { ok: false; status: 404 | 409; code: 'not_found' | 'not_changed' | 'nothing_to_undo'; message: string };

/**
 * The op that puts item `id` back as it was just before `version`, given the item as it is now.
 * Refused when that version is not kept, did not change the item, or the item already is so.
 */
export async function planItemUndo(history: SceneHistory, id: string, version: number, now: Item | undefined): Promise<UndoPlan> {
  const found = await history.sceneAt(version);
  if (!found) return { ok: false, status: 404, code: 'not_found', message: `version ${version} is not in the kept history` };
  if (!(await changedItem(history, found.entry, id))) return { ok: false, status: 409, code: 'not_changed', message: `version ${version} did not change item ${id}` };
  const was = await itemAt(history, version - 1, id);
  if (was === null) return { ok: false, status: 404, code: 'not_found', message: `the scene before version ${version} is not in the kept history` };
  if (sameItem(was, now)) return { ok: false, status: 409, code: 'nothing_to_undo', message: `item ${id} already is as it was before version ${version}` };
  const op: SceneOp = was ? { type: 'update', item: was } : { type: 'remove', id };
  return { ok: true, entry: found.entry, op, restored: !was ? 'removed' : now ? 'restored' : 'added', was };
}
