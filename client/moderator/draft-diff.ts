/**
 * In the Draft stage: which items the draft adds, changes or removes relative to live (what a
 * Take would change), from GET …/diff. Asked again when the draft changes (debounced: a drag
 * sends many) and now and then, since live can change under the draft too.
 */
import { useEffect, useState } from 'preact/hooks';
import type { Item } from '../../src/protocol/scene.ts';
import { api } from './api.ts';
import type { SceneClient } from './scene-client.ts';

export type DiffKind = 'added' | 'changed' | 'removed';

export interface DraftDiff {
  /** Draft item id → how it differs from live. */
  marks: ReadonlyMap<string, DiffKind>;
  /** Live items the draft no longer has (not on the draft canvas: shown as ghosts). */
  removed: readonly Item[];
  count: number;
  /** Ask again now (after a Take or a reset, which change live, not the draft). */
  refresh(): void;
}

const DIFF_DEBOUNCE_MS = 400;
const DIFF_POLL_MS = 5000;

type DiffBody = { added: Item[]; removed: Item[]; changed: { id: string }[] };

/** Null on the live stage, and until the first answer. */
export function useDraftDiff(client: SceneClient): DraftDiff | null {
  const [diff, setDiff] = useState<DraftDiff | null>(null);
  const version = client.version;
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (client.stage !== 'draft') return;
    const poll = setInterval(() => setTick((n) => n + 1), DIFF_POLL_MS);
    return () => clearInterval(poll);
  }, []);
  useEffect(() => {
    if (client.stage !== 'draft') return;
    let stale = false;
    const timer = setTimeout(() => {
      api<DiffBody>(`/api/rooms/${encodeURIComponent(client.room)}/diff`).then(
        (body) => !stale && setDiff(toDraftDiff(body, () => setTick((n) => n + 1))),
        () => undefined,
      );
    }, DIFF_DEBOUNCE_MS);
    return () => {
      stale = true;
      clearTimeout(timer);
    };
  }, [version, tick]);
  return diff;
}

function toDraftDiff(body: DiffBody, refresh: () => void): DraftDiff {
  const marks = new Map<string, DiffKind>();
  for (const item of body.added) marks.set(item.id, 'added');
  for (const change of body.changed) marks.set(change.id, 'changed');
  return { marks, removed: body.removed, count: marks.size + body.removed.length, refresh };
}
