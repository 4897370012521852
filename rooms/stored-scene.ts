/**
 * The stored form of a room's scene, and reading it back. Reading never throws: a room whose
 * stored scene holds one bad item (written by an older build, or by hand) must still load, or
 * nobody — not even the streamer's PUT — can reach it again. A bad item is repaired when only
 * its `z` is out of bounds and dropped otherwise; the caller logs and audits what happened.
 */
import * as v from 'valibot';
import { Item, MAX_Z } from '../src/protocol/scene.ts';
import type { SceneState } from './scene-model.ts';

export interface LoadedSceneState {
  state: SceneState;
  /** Ids of items that were changed to load (e.g. `z` clamped). */
  repaired: string[];
  /** Ids (or `#index` for an item without one) of items that could not be loaded. */
  dropped: string[];
  /** The data was not a scene at all; the state is empty and the caller keeps the data aside. */
  unreadable: boolean;
}

export function serializeSceneState(state: SceneState): string {
  return JSON.stringify({
    items: [...state.items.values()],
    item_versions: Object.fromEntries(state.itemVersions),
    horizon: state.horizon,
  });
}

/** The state alone, for readers that do not report repairs. */
export const parseSceneState = (data: string, version: number): SceneState => loadSceneState(data, version).state;

export function loadSceneState(data: string, version: number): LoadedSceneState {
  const loaded: LoadedSceneState = { state: { items: new Map(), itemVersions: new Map(), horizon: 0 }, repaired: [], dropped: [], unreadable: false };
  let raw: unknown;
  try {
    raw = JSON.parse(data);
  } catch {
    raw = undefined;
  }
  if (!isRecord(raw) || !Array.isArray(raw.items)) {
    loaded.unreadable = true;
    return loaded;
  }
  const { items, itemVersions } = loaded.state;
  raw.items.forEach((candidate, index) => {
    const item = readItem(candidate);
    const label = isRecord(candidate) && typeof candidate.id === 'string' ? candidate.id.slice(0, 64) : `#${index}`;
    if (!item) loaded.dropped.push(label);
    else {
      if (item.repaired) loaded.repaired.push(item.value.id);
      items.set(item.value.id, item.value);
    }
  });
  if (isRecord(raw.item_versions)) {
    for (const [id, changed] of Object.entries(raw.item_versions)) {
      if (isVersion(changed) && changed <= version) itemVersions.set(id, changed);
    }
  }
  for (const id of items.keys()) if (!itemVersions.has(id)) itemVersions.set(id, version);
  if (isVersion(raw.horizon) && raw.horizon <= version) loaded.state.horizon = raw.horizon;
  return loaded;
}

function readItem(candidate: unknown): { value: Item; repaired: boolean } | null {
  const parsed = v.safeParse(Item, candidate);
  if (parsed.success) return { value: parsed.output, repaired: false };
  // The one damage an older build could store itself: z pushed past its bound by re-ordering.
  if (!isRecord(candidate) || typeof candidate.z !== 'number' || !Number.isFinite(candidate.z)) return null;
  const z = Math.max(-MAX_Z, Math.min(MAX_Z, Math.round(candidate.z)));
  const clamped = v.safeParse(Item, { ...candidate, z });
  return clamped.success ? { value: clamped.output, repaired: true } : null;
}

const isVersion = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
