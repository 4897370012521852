/**
 * Which rooms' scenes point at an uploaded file, so the library does not delete media an
 * overlay is showing. Scenes are read through their rooms (loaded from the store if needed),
 * so a room with queued edits answers with its latest committed scene.
 */
import type { RoomRegistry } from '../../rooms/registry.ts';
import type { OverlayRoom } from '../../rooms/overlay-room.ts';
import type { Store } from '../store/store.ts';

export async function roomsUsingUpload(deps: { store: Store; overlays: RoomRegistry<OverlayRoom> }, id: string): Promise<string[]> {
  const rooms = new Set(await deps.store.listSceneRooms());
  for (const room of deps.overlays.all()) rooms.add(room.id);
  const using: string[] = [];
  for (const name of [...rooms].sort()) {
    const room = deps.overlays.get(name);
    await room.ready();
    if (room.snapshot().scene.items.some((item) => item.src !== undefined && srcRefersTo(item.src, id))) using.push(name);
  }
  return using;
}

/** `/uploads/<id>` itself, or an absolute URL to it (scenes may hold PUBLIC_BASE_URL links). */
export function srcRefersTo(src: string, id: string): boolean {
  const path = src.split(/[?#]/)[0] ?? '';
  return path === `/uploads/${id}` || path.endsWith(`/uploads/${id}`);
}
