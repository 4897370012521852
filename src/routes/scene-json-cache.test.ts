import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SceneJsonCache } from './scene-json-cache.ts';
import type { Scene } from '../protocol/scene.ts';

test('the scene is serialized once per version and shape; server_ts is fresh per response', () => {
  const cache = new SceneJsonCache();
  const room = {};
  let scene = { items: [{ id: 'a', kind: 'text', text: 'one' }] } as unknown as Scene;
  let version = 3;
  let serialized = 0;
  const snapshot = () => {
    serialized++;
    return { scene, version };
  };
  const first = JSON.parse(cache.body(room, snapshot, version, false)) as Record<string, unknown>;
  assert.equal({ ...first, server_ts: 0 }, { items: [{ id: 'a', kind: 'text', text: 'one' }], _version: 3, version: 3, server_ts: 0 });
  assert.type(first.server_ts, 'number');
  cache.body(room, snapshot, version, false);
  assert.is(serialized, 1, 'the same version is served from the cache');
  const legacy = JSON.parse(cache.body(room, snapshot, version, true)) as { items: Record<string, unknown>[] };
  assert.is(serialized, 2, 'the legacy shape has its own entry');
  assert.ok(legacy.items.length === 1);
  scene = { items: [] } as unknown as Scene;
  version = 4;
  const next = JSON.parse(cache.body(room, snapshot, version, false)) as Record<string, unknown>;
  assert.equal([next.items, next.version, serialized], [[], 4, 3], 'a new version is serialized again');
  assert.is(JSON.parse(cache.body({}, snapshot, version, false)).version, 4, 'rooms do not share entries');
});

test.run();
