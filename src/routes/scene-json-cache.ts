/**
 * GET /api/scene serializes the same scene again and again between edits: keep each room's
 * serialized form for its current version (one per shape: ours and the FastAPI version's)
 * and add only the per-response `server_ts`. Keyed weakly by the room object, so a room the
 * registry drops takes its cache with it.
 */
import type { Scene } from '../protocol/scene.ts';
import { legacyScene } from '../legacy/items.ts';

interface Cached {
  version: number;
  /** The JSON object without its closing brace, ready for `,"server_ts":…}`. */
  open: string;
}

export class SceneJsonCache {
  private readonly byRoom = new WeakMap<object, { current?: Cached; legacy?: Cached }>();

  /** The response body: the scene (legacy names when `legacy`), `_version`, `version` and `server_ts`. */
  body(room: object, snapshot: () => { scene: Scene; version: number }, currentVersion: number, legacy: boolean): string {
    let entry = this.byRoom.get(room);
    if (!entry) this.byRoom.set(room, (entry = {}));
    const slot = legacy ? 'legacy' : 'current';
    let cached = entry[slot];
    if (cached?.version !== currentVersion) {
      const { scene, version } = snapshot();
      const json = JSON.stringify({ ...(legacy ? legacyScene(scene, version) : scene), _version: version, version });
      cached = { version, open: json.slice(0, -1) };
      entry[slot] = cached;
    }
    return `${cached.open},"server_ts":${Date.now()}}`;
  }
}
