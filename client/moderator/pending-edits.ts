/**
 * This panel's edits the server has not confirmed yet: open gestures (a drag, a resize, typing
 * in a field) and the previews they show over the server's scene until the scene reaches the
 * version that has them. Sending and undo stay with SceneClient; this only keeps the state.
 */
import type { Item } from '../../src/protocol/scene.ts';
import type { ItemFields } from './op-sender.ts';

export interface Gesture {
  /** The item as the moderator saw it when the gesture began: what undo restores. */
  before: Item;
  /** The scene version it was seen at: what the gesture's ops are based on. */
  base: number;
  keys: Set<string>;
  sent: boolean;
  lastSent: number;
  streamTimer?: ReturnType<typeof setTimeout>;
  debounceTimer?: ReturnType<typeof setTimeout>;
}

/** Local changes shown before the server has them; dropped once the scene reaches holdUntil. */
interface Preview {
  changes: ItemFields;
  holdUntil: number;
}

export class PendingEdits {
  private readonly previews = new Map<string, Preview>();
  private readonly gestures = new Map<string, Gesture>();
  /** Gestures the server refused (or a dropped socket cut): ignored until the pointer is released. */
  private readonly aborted = new Set<string>();
  private shown: readonly Item[] = [];
  private shownFrom: readonly Item[] | null = null;
  private stale = true;

  /** True while this panel shows changes the server has not confirmed yet. */
  get active(): boolean {
    return this.previews.size > 0 || this.gestures.size > 0;
  }

  /** The server's items with our previews on top (the same array until something changes). */
  over(items: readonly Item[]): readonly Item[] {
    if (this.stale || this.shownFrom !== items) {
      this.stale = false;
      this.shownFrom = items;
      this.shown =
        this.previews.size === 0
          ? items
          : items.map((item) => {
              const preview = this.previews.get(item.id);
              return preview ? { ...item, ...preview.changes } : item;
            });
    }
    return this.shown;
  }

  /** What is shown changed for a reason the item list does not reveal (e.g. it was patched in place). */
  invalidate(): void {
    this.stale = true;
  }

  isAborted(id: string): boolean {
    return this.aborted.has(id);
  }

  /** A fresh intent (a keystroke, a click) on what the panel shows now; true if one was aborted. */
  unabort(id: string): boolean {
    return this.aborted.delete(id);
  }

  gesture(id: string): Gesture | undefined {
    return this.gestures.get(id);
  }

  openIds(): string[] {
    return [...this.gestures.keys()];
  }

  /** The open gesture on `item`, or a new one based on `version`. */
  begin(item: Item, version: number): Gesture {
    const existing = this.gestures.get(item.id);
    if (existing) return existing;
    const gesture: Gesture = { before: item, base: version, keys: new Set(), sent: false, lastSent: -Infinity };
    this.gestures.set(item.id, gesture);
    return gesture;
  }

  /** Show `changes` at once, held until the server confirms them. */
  preview(id: string, changes: ItemFields, gesture: Gesture): void {
    const current = this.previews.get(id);
    this.previews.set(id, { changes: { ...current?.changes, ...changes }, holdUntil: Infinity });
    for (const key of Object.keys(changes)) gesture.keys.add(key);
    this.stale = true;
  }

  /** The fields the gesture changed, as shown now, marked as sent; undefined when nothing is shown. */
  takeChanges(id: string, gesture: Gesture): ItemFields | undefined {
    const preview = this.previews.get(id);
    if (!preview) return undefined;
    gesture.sent = true;
    gesture.lastSent = performance.now();
    return Object.fromEntries([...gesture.keys].map((key) => [key, (preview.changes as Record<string, unknown>)[key]])) as ItemFields;
  }

  /** Close the gesture on `id` (its timers too); `abort` also ignores it until released. */
  finish(id: string, abort = false): Gesture | undefined {
    const gesture = this.gestures.get(id);
    if (!gesture) return undefined;
    clearTimeout(gesture.streamTimer);
    clearTimeout(gesture.debounceTimer);
    this.gestures.delete(id);
    if (abort) this.aborted.add(id);
    return gesture;
  }

  /** The socket dropped: every open gesture is cut and nothing shown is trusted any more. */
  abortAll(): void {
    for (const id of this.openIds()) this.finish(id, true);
    this.previews.clear();
    this.stale = true;
  }

  /** Our last op for `id` landed at `version`: show the server's item once the scene has it. */
  settle(id: string, version: number, sceneVersion: number): void {
    if (this.gestures.has(id)) return;
    const preview = this.previews.get(id);
    if (!preview) return;
    preview.holdUntil = version;
    this.prune(sceneVersion);
  }

  /** Stop showing our change to `id` (the server refused it, or it changed nothing). */
  drop(id: string): void {
    if (this.previews.delete(id)) this.stale = true;
  }

  /** The scene reached `version`: previews it confirms give way to the server's items. */
  prune(version: number): void {
    for (const [id, preview] of this.previews) {
      if (preview.holdUntil <= version) this.drop(id);
    }
  }
}
