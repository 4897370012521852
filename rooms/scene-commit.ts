/**
 * Storing one group-commit batch: apply it to a copy of the scene, compare-and-set it as the
 * next version, and when another instance committed first, reload and apply it again to what
 * is stored now, so only ops whose `base_version` went stale for their own item are refused
 * (`conflict`, as on one instance). What it refuses, what changes nothing and what never got
 * in are settled here; the caller settles and announces what was stored.
 */
import { applyBatch, type Submission } from './scene-batch.ts';
import { PATCH_HISTORY } from './patch-history.ts';
import { advanceHorizon, serializeSceneState, type ItemRefusal, type SceneState } from './scene-model.ts';
import { StoreUnavailableError, type Store } from '../src/store/store.ts';
import type { EditOp, PatchOp } from '../src/protocol/messages.ts';
import type { Logger } from '../src/logger.ts';

/** A lost compare-and-set is retried this often... */
export const COMMIT_ATTEMPTS = 12;
/** ...after a random pause of up to this times the attempt, so two busy writers take turns. */
const RETRY_JITTER_MS = 4;

export interface CommitTarget {
  readonly id: string;
  readonly state: SceneState;
  readonly currentVersion: number;
  /** Reach the stored version (from other instances' patches, else by reloading). */
  catchUp(): Promise<void>;
}

export interface StoredBatch {
  version: number;
  working: SceneState;
  accepted: Submission[];
  patch: PatchOp[];
  replaced: boolean;
}

export async function storeBatch(room: CommitTarget, store: Store, batch: Submission[], refuseItem?: ItemRefusal): Promise<StoredBatch | null> {
  let pending = batch;
  for (let attempt = 1; ; attempt++) {
    const base = room.currentVersion;
    const { working, accepted, patch, replaced } = applyBatch(room.state, base, pending, refuseItem);
    if (accepted.length === 0) return null;
    if (!replaced && patch.length === 0) {
      // Nothing changed (e.g. bringToFront of the top item): no new version to store.
      for (const submission of accepted) submission.settle({ ok: true, version: base });
      return null;
    }
    advanceHorizon(working, base + 1 - PATCH_HISTORY);
    if (await store.commitScene(room.id, base, serializeSceneState(working), base + 1)) return { version: base + 1, working, accepted, patch, replaced };
    await room.catchUp();
    if (attempt === COMMIT_ATTEMPTS) {
      for (const submission of accepted) {
        submission.settle({ ok: false, code: 'conflict', message: 'the scene was changed elsewhere; reloaded', version: room.currentVersion });
      }
      return null;
    }
    pending = accepted;
    await new Promise((resolve) => setTimeout(resolve, Math.random() * RETRY_JITTER_MS * attempt));
  }
}

/** A batch the store could not take (down, or a bug): every submission hears so; nothing changed. */
export function failBatch(batch: Submission[], error: unknown, version: number, log: Logger, room: string): void {
  const unavailable = error instanceof StoreUnavailableError;
  if (!unavailable) log.error('commit failed', { room, error: String(error) });
  for (const submission of batch) {
    submission.settle({
      ok: false,
      code: unavailable ? 'store_unavailable' : 'internal',
      message: unavailable ? 'the state store is unavailable; nothing was changed, try again' : 'internal error; nothing was changed',
      version,
    });
  }
}

/** A submission the room makes itself (a due hide, a clip's end): losing a race is fine, anything else is logged. */
export function roomSubmission(op: EditOp, log: Logger, room: string): Submission {
  return {
    kind: 'op',
    op,
    who: 'room',
    settle: (result) => {
      if (!result.ok && result.code !== 'conflict' && result.code !== 'not_found') log.warn('scheduled change failed', { room, op: op.type, code: result.code });
    },
  };
}
