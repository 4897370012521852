/**
 * Taking a stored scene into a room. One bad item must not brick the room (GET, PUT, every
 * overlay): it is repaired or dropped, logged and audited. Data that is no scene at all is
 * kept aside under its own key first, then the room goes on from an empty scene.
 */
import { loadSceneState, type SceneState } from './scene-model.ts';
import type { AuditEntry, Store, StoredScene } from '../src/store/store.ts';
import type { Logger } from '../src/logger.ts';

/** Where a stored scene that could not be read at all is kept (KV), by room and version. */
export const UNREADABLE_SCENE_PREFIX = 'scene-unreadable:';

export async function recoverStoredScene(
  room: string,
  stored: StoredScene,
  deps: { store: Store; log: Logger },
): Promise<{ state: SceneState; audit?: AuditEntry }> {
  const loaded = loadSceneState(stored.data, stored.version);
  const ts = Date.now();
  if (loaded.unreadable) {
    const keptAs = `${UNREADABLE_SCENE_PREFIX}${room}:${stored.version}`;
    // Kept before anything can overwrite it; a store outage here fails the load, which is retried.
    await deps.store.set(keptAs, stored.data);
    deps.log.error('stored scene is unreadable; kept aside, starting from an empty scene', { room, version: stored.version, kept_as: keptAs });
    return { state: loaded.state, audit: { ts, who: 'server', action: 'scene.unreadable', version: stored.version, kept_as: keptAs } };
  }
  if (loaded.repaired.length > 0 || loaded.dropped.length > 0) {
    deps.log.warn('stored scene had invalid items', { room, version: stored.version, repaired: loaded.repaired, dropped: loaded.dropped });
    return { state: loaded.state, audit: { ts, who: 'server', action: 'scene.repaired', version: stored.version, repaired: loaded.repaired, dropped: loaded.dropped } };
  }
  return { state: loaded.state };
}
