/**
 * What an overlay running as an OBS browser source tells the room about OBS, and what the
 * room asks it to do there. Declared once; see docs/protocol.md and docs/obs.md.
 * The levels are obs-browser's "Page permissions" (window.obsstudio.getControlLevel).
 */
import * as v from 'valibot';
import type { ObsCommandName } from './obs-levels.ts';

export { OBS_COMMAND_LEVEL, OBS_CONTROL_LEVEL, type ObsCommandName } from './obs-levels.ts';

export const OBS_COMMAND_TIMEOUT_MS = 5000;

const ObsName = v.pipe(v.string('name must be a string'), v.minLength(1, 'name must not be empty'), v.maxLength(256, 'name is longer than 256 characters'));
const NameList = v.pipe(v.array(ObsName), v.maxLength(200, 'at most 200 names'));
const ReqId = v.optional(v.union([v.pipe(v.string(), v.maxLength(64)), v.pipe(v.number(), v.safeInteger())]));

/** The overlay's report, on connect and on every OBS event it hears. `obs: null` outside OBS. */
export const OverlayStatus = v.object({
  type: v.literal('overlay.status'),
  obs: v.nullable(
    v.object({
      version: v.pipe(v.string('version must be a string'), v.maxLength(32)),
      control_level: v.pipe(v.number('control_level must be a number'), v.integer(), v.minValue(0), v.maxValue(5)),
    }),
  ),
  visible: v.boolean('visible must be true or false'),
  /** On program: the source is in the scene OBS is sending out. */
  active: v.boolean('active must be true or false'),
  scene: v.optional(v.nullable(ObsName)),
  streaming: v.optional(v.boolean()),
  recording: v.optional(v.boolean()),
  /** With READ_USER or more: what the panel's OBS card offers. */
  scenes: v.optional(NameList),
  transitions: v.optional(NameList),
  transition: v.optional(v.nullable(ObsName)),
});
export type OverlayStatus = v.InferOutput<typeof OverlayStatus>;

export const OBS_ERROR_CODES = ['obs_not_available', 'obs_permission', 'obs_failed'] as const;
export type ObsErrorCode = (typeof OBS_ERROR_CODES)[number];

/** The chosen overlay's answer to an `obs.command`. */
export const ObsResult = v.object({
  type: v.literal('obs.result'),
  cmd_id: v.pipe(v.string(), v.maxLength(64)),
  ok: v.boolean(),
  code: v.optional(v.picklist(OBS_ERROR_CODES)),
  message: v.optional(v.pipe(v.string(), v.maxLength(300))),
});

/** Panel (moderator socket) requests; `overlay_id` absent = every overlay of the room. */
export const OverlayReloadOp = v.object({ type: v.literal('overlay.reload'), overlay_id: v.optional(v.pipe(v.string(), v.maxLength(64))), req_id: ReqId });
export const ObsSceneOp = v.object({ type: v.literal('obs.scene'), name: ObsName, req_id: ReqId });
export const ObsReplaySaveOp = v.object({ type: v.literal('obs.replay.save'), req_id: ReqId });
export type ObsControlOp = v.InferOutput<typeof OverlayReloadOp> | v.InferOutput<typeof ObsSceneOp> | v.InferOutput<typeof ObsReplaySaveOp>;

/** Room → overlay. */
export type ObsServerMessage =
  | { type: 'overlay.reload'; nonce: string }
  | { type: 'obs.command'; cmd_id: string; command: ObsCommandName; name?: string };

export type ObsOutcome = { ok: true; overlay_id: string } | { ok: false; code: ObsErrorCode; message: string };

/** One overlay socket as panels and the dashboard see it in `room.status`. */
export interface OverlayClientStatus {
  id: string;
  connected: true;
  /** null: not in OBS (a plain browser), or an overlay that has not reported yet. */
  obs: { version: string; control_level: number } | null;
  visible: boolean | null;
  active: boolean | null;
  scene: string | null;
  streaming: boolean | null;
  recording: boolean | null;
  applied_version: number | null;
  latency_ms: number | null;
  last_heartbeat: number;
  /** Connected and pinging but behind the room's version for more than FROZEN_AFTER_MS. */
  frozen: boolean;
}

/** OBS as seen through the overlay the room would send commands to; null when no overlay is in OBS. */
export interface RoomObsState {
  overlay_id: string;
  control_level: number;
  on_program: boolean;
  scene: string | null;
  scenes: string[];
  transitions: string[];
  transition: string | null;
  streaming: boolean | null;
  recording: boolean | null;
}

export const FROZEN_AFTER_MS = 10_000;
