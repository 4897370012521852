/**
 * One group-commit batch applied to a copy of the scene: every submission is checked and
 * applied in order, refused ones are settled at once, and what is left is one patch (or a
 * whole replace) for one new version. Nothing here touches the store or a socket.
 */
import * as v from 'valibot';
import { applySceneOp, cloneSceneState, replaceSceneState, type ItemRefusal, type SceneState } from './scene-model.ts';
import { resolveTimedOp, withPlaybackStamp } from './playback-clock.ts';
import { opItemId } from './room-replies.ts';
import type { AuditEntry } from '../src/store/store.ts';
import type { EditOp, ErrorCode, PatchOp, SceneOp } from '../src/protocol/messages.ts';
import { Scene, type Item } from '../src/protocol/scene.ts';

export type OpResult =
  | { ok: true; version: number }
  | { ok: false; code: ErrorCode; message: string; version: number; item?: Item | null };

export type Submission =
  | { kind: 'op'; op: SceneOp; who: string; settle(result: OpResult): void }
  | { kind: 'replace'; scene: Scene; knownVersion?: number; who: string; settle(result: OpResult): void };

export interface AppliedBatch {
  working: SceneState;
  /** Submissions that took effect (or changed nothing); refused ones are already settled. */
  accepted: Submission[];
  /** The changes since `version`; empty after a replace, which is sent whole. */
  patch: PatchOp[];
  replaced: boolean;
}

/** Apply `batch` on a copy of `state` (at `version`) as version `version + 1`. */
export function applyBatch(state: SceneState, version: number, batch: Submission[], refuseItem?: ItemRefusal): AppliedBatch {
  const next = version + 1;
  const working = cloneSceneState(state);
  const accepted: Submission[] = [];
  const patch: PatchOp[] = [];
  let replaced = false;
  const refuse = (submission: Submission, code: ErrorCode, message: string) => submission.settle({ ok: false, code, message, version });

  for (const submission of batch) {
    if (submission.kind === 'replace') {
      if (!v.is(Scene, submission.scene)) {
        refuse(submission, 'bad_message', 'the scene holds an invalid item');
        continue;
      }
      if (submission.knownVersion !== undefined && submission.knownVersion < version) {
        refuse(submission, 'conflict', `the scene is at version ${version}, newer than ${submission.knownVersion}`);
        continue;
      }
      replaceSceneState(working, submission.scene, next);
      replaced = true;
      patch.length = 0;
      accepted.push(submission);
      continue;
    }
    const edit = resolveOp(working, submission.op);
    if (!edit.ok) {
      submission.settle({ ok: false, code: edit.code, message: edit.message, version, item: edit.item });
      continue;
    }
    if (edit.op === null) {
      accepted.push(submission);
      continue;
    }
    const outcome = applySceneOp(working, edit.op, next, refuseItem);
    if (!outcome.ok) {
      submission.settle({ ok: false, code: outcome.code, message: outcome.message, version, item: outcome.item });
      continue;
    }
    patch.push(...outcome.patch);
    accepted.push(submission);
  }
  return { working, accepted, patch, replaced };
}

/** cue/timer ops become patches in the server clock; clips added without playback start now. */
function resolveOp(working: SceneState, op: SceneOp): { ok: true; op: EditOp | null } | { ok: false; code: ErrorCode; message: string; item?: Item | null } {
  if (op.type === 'cue' || op.type === 'timer') {
    const current = working.items.get(op.id);
    const resolved = resolveTimedOp(op, current, Date.now());
    if (!resolved) return { ok: false, code: 'not_found', message: `no item with id ${op.id}`, item: null };
    return resolved.ok ? resolved : { ok: false, code: 'bad_message', message: resolved.message, item: current };
  }
  if (op.type === 'add' || op.type === 'update') return { ok: true, op: { ...op, item: withPlaybackStamp(op.item, Date.now()) } };
  return { ok: true, op };
}

/** One audit line per accepted submission of the batch committed as `version`. */
export function auditEntries(accepted: Submission[], version: number, ts: number): AuditEntry[] {
  return accepted.map((submission) =>
    submission.kind === 'replace'
      ? { ts, who: submission.who, action: 'scene.replace', version, items: submission.scene.items.length }
      : { ts, who: submission.who, action: `scene.${submission.op.type}`, version, id: opItemId(submission.op) },
  );
}

/** The server's own item rules (MEDIA_ORIGINS) over a whole scene: the first refusal, with its path. */
export function firstRefusedItem(items: Item[], refuseItem?: ItemRefusal): string | null {
  if (!refuseItem) return null;
  for (const [index, item] of items.entries()) {
    const refusal = refuseItem(item);
    if (refusal) return `items.${index}.${refusal}`;
  }
  return null;
}
