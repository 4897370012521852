/**
 * Production ops on the moderator socket, beside the scene ops: presets, history revert, and
 * draft + take. `stage` (on scene ops too) says which scene an op edits: the live one (default)
 * or the room's shared draft. See docs/protocol.md.
 */
import * as v from 'valibot';
import { PresetName } from './presets.ts';

export const STAGES = ['live', 'draft'] as const;
export type Stage = (typeof STAGES)[number];
export const StageSchema = v.picklist(STAGES, 'stage must be live or draft');

const ReqId = v.optional(v.union([v.pipe(v.string(), v.maxLength(64)), v.pipe(v.number(), v.safeInteger())]));
const Version = v.pipe(v.number('version must be a number'), v.safeInteger('version must be an integer'), v.minValue(1, 'version must be at least 1'));

export const ProductionOp = v.variant('type', [
  /** Make the draft the live scene, in one version. */
  v.object({ type: v.literal('take'), req_id: ReqId }),
  /** Copy the live scene into the draft. */
  v.object({ type: v.literal('draft.reset'), req_id: ReqId }),
  /** Save the live (or, with stage draft, the draft) scene as a preset. */
  v.object({ type: v.literal('preset.save'), name: PresetName, stage: v.optional(StageSchema), req_id: ReqId }),
  /** Make a preset the live (or draft) scene, in one version. */
  v.object({ type: v.literal('preset.take'), name: PresetName, stage: v.optional(StageSchema), req_id: ReqId }),
  /** Make version `version`'s scene the live scene again, as a new version. */
  v.object({ type: v.literal('revert'), version: Version, req_id: ReqId }),
]);
export type ProductionOp = v.InferOutput<typeof ProductionOp>;
export const PRODUCTION_OP_TYPES: readonly string[] = ['take', 'draft.reset', 'preset.save', 'preset.take', 'revert'];
export const isProductionOp = <T extends { type: string }>(op: T | ProductionOp): op is ProductionOp => PRODUCTION_OP_TYPES.includes(op.type);

/** The draft of room `R` is kept as the scene of `R.draft`: a name no real room can have (no `.` in room names). */
export const draftRoomId = (room: string) => `${room}.draft`;
export const isDraftRoomId = (id: string) => id.endsWith('.draft');
export const liveRoomIdOf = (id: string) => (isDraftRoomId(id) ? id.slice(0, -'.draft'.length) : id);

/** A draft's audit lines go to its room's log, marked with the stage. */
export const auditedAs = <E extends object>(id: string, entry: E): [string, E | (E & { stage: Stage })] =>
  isDraftRoomId(id) ? [liveRoomIdOf(id), { ...entry, stage: 'draft' as const }] : [id, entry];
