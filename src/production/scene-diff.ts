/** Which items differ between two scenes (draft against live): what a take would change. */
import type { Item, Scene } from '../protocol/scene.ts';

export interface SceneDiff {
  added: Item[];
  removed: Item[];
  changed: { before: Item; after: Item }[];
}

/** `after` against `before`, by item id; order-only changes do not count. */
export function diffScenes(before: Scene, after: Scene): SceneDiff {
  const old = new Map(before.items.map((item) => [item.id, item]));
  const fresh = new Map(after.items.map((item) => [item.id, item]));
  return {
    added: after.items.filter((item) => !old.has(item.id)),
    removed: before.items.filter((item) => !fresh.has(item.id)),
    changed: after.items.flatMap((item) => {
      const was = old.get(item.id);
      return was && !sameItem(was, item) ? [{ before: was, after: item }] : [];
    }),
  };
}

export const isEmptyDiff = (diff: SceneDiff) => diff.added.length === 0 && diff.removed.length === 0 && diff.changed.length === 0;

/** Ids only, for audit lines. */
export const diffIds = (diff: SceneDiff) => ({ added: diff.added.map((i) => i.id), removed: diff.removed.map((i) => i.id), changed: diff.changed.map((c) => c.after.id) });

function sameItem(a: Item, b: Item): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const key of keys) if (JSON.stringify(a[key as keyof Item]) !== JSON.stringify(b[key as keyof Item])) return false;
  return true;
}
