/**
 * The WebSocket protocol of overlay and moderator sockets: every message type, both
 * directions, declared once. Server, rooms and clients import these; no message name is
 * spelled anywhere else. See docs/protocol.md.
 */
import * as v from 'valibot';
import { Item, ItemChanges, ItemId, Scene, normaliseItemAliases } from './scene.ts';
import { CueActionSchema, TimerActionSchema } from './playback.ts';
import { TtsReport, type TtsServerMessage, type TtsState } from './tts.ts';

const ReqId = v.optional(v.union([v.pipe(v.string(), v.maxLength(64)), v.pipe(v.number(), v.safeInteger())]));
const Version = v.pipe(v.number('version must be a number'), v.safeInteger('version must be an integer'), v.minValue(0));
const ClientTs = v.optional(v.pipe(v.number(), v.finite()));

const opMeta = { req_id: ReqId, base_version: v.optional(Version) };
const AliasedItem = v.pipe(v.unknown(), v.transform(normaliseItemAliases), Item);

/** Scene operations a moderator (or the streamer) may send. The FastAPI version's ops come first. */
export const SceneOp = v.variant('type', [
  v.object({ type: v.literal('add'), item: v.pipe(v.unknown(), v.transform(normaliseAddItem), Item), ...opMeta }),
  v.object({ type: v.literal('update'), item: AliasedItem, ...opMeta }),
  v.object({ type: v.literal('patch'), id: ItemId, changes: v.pipe(v.unknown(), v.transform(normaliseItemAliases), ItemChanges), ...opMeta }),
  v.object({ type: v.literal('remove'), id: ItemId, ...opMeta }),
  v.object({ type: v.literal('bringToFront'), id: ItemId, ...opMeta }),
  v.object({ type: v.literal('sendToBack'), id: ItemId, ...opMeta }),
  v.object({ type: v.literal('clear'), ...opMeta }),
  // Time-driven ops: the room turns them into a patch stated in its own clock (playback.ts).
  v.object({ type: v.literal('cue'), id: ItemId, action: CueActionSchema, ...opMeta }),
  v.object({ type: v.literal('timer'), id: ItemId, action: TimerActionSchema, ...opMeta }),
], `type must be one of add, update, patch, remove, bringToFront, sendToBack, clear, cue, timer`);
export type SceneOp = v.InferOutput<typeof SceneOp>;
export type TimedOp = Extract<SceneOp, { type: 'cue' | 'timer' }>;
/** Ops that edit the scene as given, with no clock involved. */
export type EditOp = Exclude<SceneOp, TimedOp>;
export const SCENE_OP_TYPES = ['add', 'update', 'patch', 'remove', 'bringToFront', 'sendToBack', 'clear', 'cue', 'timer'] as const;

/** `add` may omit the id: the server then makes one. */
function normaliseAddItem(input: unknown): unknown {
  const item = normaliseItemAliases(input);
  if (typeof item === 'object' && item !== null && !('id' in item && (item as { id: unknown }).id !== undefined)) {
    return { ...item, id: `i-${crypto.randomUUID().slice(0, 8)}` };
  }
  return item;
}

export const Ping = v.object({ type: v.literal('ping'), client_ts: ClientTs });
export const Resync = v.object({ type: v.literal('resync'), since_version: v.optional(Version) });
export const OverlayApplied = v.object({ type: v.literal('overlay.applied'), version: Version, client_ts: ClientTs, server_ts: ClientTs });

/** An overlay saw a non-looping clip (`duration` s long) end in the playback run that began at `at`. */
export const MediaEnded = v.object({
  type: v.literal('media.ended'),
  id: ItemId,
  at: v.pipe(v.number('at must be a number'), v.finite()),
  duration: v.pipe(v.number('duration must be a number'), v.finite(), v.minValue(0), v.maxValue(1e7)),
});

export const OverlayClientMessage = v.variant('type', [Ping, Resync, OverlayApplied, MediaEnded, ...TtsReport.options]);
export type OverlayClientMessage = v.InferOutput<typeof OverlayClientMessage>;

/** A panel tells the room what it has selected, so other panels can outline it. */
export const MAX_PRESENCE_SELECTION = 50;
export const Presence = v.object({
  type: v.literal('presence'),
  selection: v.nullable(v.pipe(v.array(ItemId), v.maxLength(MAX_PRESENCE_SELECTION, `at most ${MAX_PRESENCE_SELECTION} selected ids`))),
});

export const ModeratorClientMessage = v.variant('type', [Ping, Resync, Presence, ...SceneOp.options]);
export type ModeratorClientMessage = v.InferOutput<typeof ModeratorClientMessage>;

/**
 * What a room broadcasts for each committed batch. Items travel whole after a change, so
 * applying a patch is idempotent and a client never merges field by field.
 */
export type PatchOp =
  | { op: 'upsert'; item: Item }
  | { op: 'remove'; id: string }
  | { op: 'clear' };

export type ErrorCode =
  | 'bad_json'
  | 'bad_message'
  | 'conflict'
  | 'not_found'
  | 'duplicate_id'
  | 'too_many_items'
  | 'forbidden'
  | 'store_unavailable'
  | 'rate_limited'
  | 'internal';

export type ServerMessage =
  | { type: 'scene.full'; scene: Scene; version: number; server_ts: number }
  | { type: 'scene.patch'; ops: PatchOp[]; version: number; server_ts: number; by?: string }
  | { type: 'ack'; req_id?: string | number; version: number }
  | {
      type: 'error';
      req_id?: string | number;
      code: ErrorCode;
      message: string;
      issues?: Record<string, string[]>;
      version?: number;
      item?: Item | null;
    }
  | { type: 'pong'; server_ts: number; client_ts?: number }
  | { type: 'room.status'; overlays: number; moderators: number; version: number; min_applied_version: number | null; apply_latency_ms: number | null }
  | { type: 'presence.state'; moderators: PresenceEntry[]; you?: string }
  | TtsServerMessage
  | TtsState;

/** One panel (or streamer) socket in a room, as the other panels see it. */
export type PresenceEntry = { id: string; label: string; color: string; selection: string[] | null };

export { CloseCode, isTerminalCloseCode } from './constants.ts';
