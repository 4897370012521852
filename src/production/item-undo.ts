/**
 * "Undo Bob's last change to this item": which kept versions changed one item, and putting that
 * one item back as it was just before such a version (re-added, removed or restored whole) as
 * ONE new live version, leaving every other item as it is now.
 */
import type { Item, Scene } from '../protocol/scene.ts';
import type { SceneOp } from '../protocol/messages.ts';
import type { HistoryEntry, SceneHistory } from '../store/scene-history.ts';
import { diffScenes, isEmptyDiff } from './scene-diff.ts';

/** Entries a search for an item's changes reads at once: each segment is loaded once per page. */
const SEARCH_PAGE = 1000;

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
 * The item as `entry` left it, read from its ops alone: a version that clears (a whole-scene
 * replace carries the whole new scene after its `clear`) or names the item says; others do not.
 */
function itemAfter(entry: HistoryEntry, id: string): { item: Item | undefined } | null {
  let known: { item: Item | undefined } | null = null;
  for (const op of entry.ops) {
    if (op.op === 'clear' || (op.op === 'remove' && op.id === id)) known = { item: undefined };
    else if (op.op === 'upsert' && op.item.id === id) known = { item: op.item };
  }
  return known;
}

/**
 * Whether `entry` changed item `id`. A patch names its items; a whole-scene replace (take,
 * preset, revert, PUT) carries every item, so for those the item is compared across the
 * version. `older` (the entries before it, newest first) saves replaying the history when an
 * unbroken run of them ends in one that says how the item was.
 */
export async function changedItem(history: SceneHistory, entry: HistoryEntry, id: string, older: readonly HistoryEntry[] = []): Promise<boolean> {
  const named = entry.ops.some((op) => (op.op === 'upsert' ? op.item.id === id : op.op === 'remove' && op.id === id));
  if (!entry.ops.some((op) => op.op === 'clear')) return named;
  const after = itemAfter(entry, id)!.item;
  const fromOlder = stateBefore(entry, id, older);
  const before = fromOlder ? fromOlder.item : await itemAt(history, entry.version - 1, id);
  // Unknown state before the oldest kept version: trust what the ops name.
  if (before === null) return named;
  return !sameItem(before, after);
}

/** The item just before `entry`, from the nearest older entry that says, if no version is missing between. */
function stateBefore(entry: HistoryEntry, id: string, older: readonly HistoryEntry[]): { item: Item | undefined } | null {
  let expected = entry.version - 1;
  for (const candidate of older) {
    if (candidate.version !== expected) return null;
    const known = itemAfter(candidate, id);
    if (known) return known;
    expected--;
  }
  return null;
}

/** Kept versions that changed item `id`, newest first, older than `before` when given. */
export async function changesToItem(history: SceneHistory, id: string, options: { limit: number; before?: number }): Promise<HistoryEntry[]> {
  const out: HistoryEntry[] = [];
  let before = options.before;
  for (;;) {
    const page = await history.list({ limit: SEARCH_PAGE, ...(before !== undefined ? { before } : {}) });
    for (const [i, entry] of page.entries()) {
      if (await changedItem(history, entry, id, entry.ops.some((op) => op.op === 'clear') ? page.slice(i + 1) : [])) out.push(entry);
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
