/**
 * A patch another instance committed, applied to this instance's copy of the room. The ops are
 * results, not requests (no base_version, nothing to refuse): the store already holds them, so
 * applying them must leave exactly the state the committing instance serialized, per-item
 * versions and horizon included, or the next compare-and-set here would write something else.
 */
import * as v from 'valibot';
import { Item } from '../src/protocol/scene.ts';
import { advanceHorizon, cloneSceneState, type SceneState } from './scene-model.ts';
import { PATCH_HISTORY } from './patch-history.ts';
import type { PatchOp } from '../src/protocol/messages.ts';

const PatchFrame = v.object({
  type: v.literal('scene.patch'),
  version: v.number(),
  server_ts: v.number(),
  ops: v.array(
    v.variant('op', [
      v.object({ op: v.literal('upsert'), item: Item }),
      v.object({ op: v.literal('remove'), id: v.string() }),
      v.object({ op: v.literal('clear') }),
    ]),
  ),
});

/** The frame's ops and stamp, or null when it is not the `scene.patch` of `version`. */
export function readPatchFrame(data: string, version: number): { ops: PatchOp[]; serverTs: number } | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    return null;
  }
  const frame = v.safeParse(PatchFrame, parsed);
  if (!frame.success || frame.output.version !== version) return null;
  return { ops: frame.output.ops as PatchOp[], serverTs: frame.output.server_ts };
}

/** A new state: `state` with the committed `ops` of `version` applied. */
export function withCommittedPatch(state: SceneState, ops: PatchOp[], version: number): SceneState {
  const next = cloneSceneState(state);
  for (const op of ops) {
    if (op.op === 'upsert') {
      next.items.set(op.item.id, op.item);
      next.itemVersions.set(op.item.id, version);
    } else if (op.op === 'remove') {
      next.items.delete(op.id);
      next.itemVersions.set(op.id, version);
    } else {
      for (const id of next.items.keys()) next.itemVersions.set(id, version);
      next.items.clear();
    }
  }
  // As the committing room did before it stored the state (overlay-room.ts, commitBatch).
  advanceHorizon(next, version - PATCH_HISTORY);
  return next;
}
