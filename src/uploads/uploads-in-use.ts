/**
 * Which rooms' stored scenes point at an uploaded file, so the library does not delete media
 * an overlay is showing. Scenes are read straight from the store, never through room actors:
 * deleting a file must not load (or create) every room, and works the same whichever process
 * of several on one Redis answers. A room commits to the store before anyone sees a change,
 * so the stored scene is the latest one. Presets count too: taking one later would show a
 * broken item. (The draft is a room of its own, `<room>.draft`, so it is a stored scene.)
 */
import type { Logger } from '../logger.ts';
import type { Store } from '../store/store.ts';
import { ScenePresets } from '../store/scene-presets.ts';

export async function roomsUsingUpload(deps: { store: Store; log: Logger }, id: string): Promise<string[]> {
  const using: string[] = [];
  for (const room of (await deps.store.listSceneRooms()).sort()) {
    const stored = await deps.store.loadScene(room);
    if (!stored) continue;
    const sources = storedMediaSources(stored.data);
    if (!sources) {
      // One unreadable scene must not make the library unusable for every other room.
      deps.log.warn('upload in-use check skipped a stored scene it cannot read', { room, upload: id });
      continue;
    }
    if (sources.some((src) => srcRefersTo(src, id))) using.push(room);
  }
  for (const { room, raw } of await new ScenePresets(deps.store).rawAll()) {
    if (using.includes(room)) continue;
    const sources = storedMediaSources(raw, 'scene');
    if (!sources) {
      deps.log.warn('upload in-use check skipped a stored preset it cannot read', { room, upload: id });
      continue;
    }
    if (sources.some((src) => srcRefersTo(src, id))) using.push(room);
  }
  return using.sort();
}

/**
 * Every item's `src` in a stored scene (the room's `{items: [...]}` format, or a stored
 * preset's `{scene: {items}}` with `sceneField`), read leniently:
 * an item that no longer passes the schema still holds a src worth protecting. Null when the
 * data is not such a scene at all.
 */
function storedMediaSources(data: string, sceneField?: 'scene'): string[] | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    return null;
  }
  const scene = sceneField ? (parsed as Record<string, unknown> | null)?.[sceneField] : parsed;
  const items = (scene as { items?: unknown } | null)?.items;
  if (!Array.isArray(items)) return null;
  return items.flatMap((item) => (typeof item?.src === 'string' ? [item.src as string] : []));
}

/** `/uploads/<id>` itself, or an absolute URL to it (scenes may hold PUBLIC_BASE_URL links). */
export function srcRefersTo(src: string, id: string): boolean {
  const path = src.split(/[?#]/)[0] ?? '';
  return path === `/uploads/${id}` || path.endsWith(`/uploads/${id}`);
}
