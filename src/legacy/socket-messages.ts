/**
 * The FastAPI version's broadcast names, for sockets that did not announce the current
 * protocol (`v=2` on the socket URL): its pages and scripts listen for `scene.full {scene}`
 * (with `scene._version`), then one `scene.add`/`scene.update`/`scene.remove`/`scene.clear`
 * per change, and `media.play`/`media.stop`. Everything else (tts.*, ack, error, pong) is the
 * same in both protocols.
 */
import type { PatchOp } from '../protocol/messages.ts';
import type { Item, Scene } from '../protocol/scene.ts';
import { legacyScene, withLegacyNames, type LegacyItem } from './items.ts';
import type { LegacyFrames } from '../../rooms/legacy-frames.ts';

export type LegacyServerMessage =
  | { type: 'scene.full'; scene: { items: LegacyItem[]; _version: number }; version: number; server_ts: number }
  | { type: 'scene.add' | 'scene.update'; item: LegacyItem; version: number; server_ts: number }
  | { type: 'scene.remove'; id: string; version: number; server_ts: number }
  | { type: 'scene.clear'; version: number; server_ts: number }
  | { type: 'media.play'; id: string; url: string; loop: boolean }
  | { type: 'media.stop'; id: string };

export function legacyFullFrame(scene: Scene, version: number, serverTs: number): string {
  return JSON.stringify({ type: 'scene.full', scene: legacyScene(scene, version), version, server_ts: serverTs } satisfies LegacyServerMessage);
}

/**
 * One committed batch as the FastAPI version announced it: a message per op. An upsert of an
 * item the scene did not hold before (`before`, the ids before the batch) is `scene.add`.
 */
export function legacyPatchFrames(ops: readonly PatchOp[], version: number, serverTs: number, before: ReadonlyMap<string, Item>): string[] {
  const present = new Set(before.keys());
  return ops.map((op) => {
    let message: LegacyServerMessage;
    if (op.op === 'upsert') {
      message = { type: present.has(op.item.id) ? 'scene.update' : 'scene.add', item: withLegacyNames(op.item), version, server_ts: serverTs };
      present.add(op.item.id);
    } else if (op.op === 'remove') {
      message = { type: 'scene.remove', id: op.id, version, server_ts: serverTs };
      present.delete(op.id);
    } else {
      message = { type: 'scene.clear', version, server_ts: serverTs };
      present.clear();
    }
    return JSON.stringify(message);
  });
}

/** What an overlay room is given to reach the FastAPI version's sockets. */
export const legacySocketFrames: LegacyFrames = { full: legacyFullFrame, patch: legacyPatchFrames };
