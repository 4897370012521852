/**
 * Time-driven item state: media playback, scheduled hides and timers. All of it is stated in
 * server time (`Date.now()` on the server), so every overlay derives the same picture from
 * its own estimate of the server clock and nothing ticks on the wire.
 */
import * as v from 'valibot';

/** Server milliseconds since the epoch; bounded so arithmetic on them stays exact. */
const ServerMs = (name: string) =>
  v.pipe(v.number(`${name} must be a number`), v.finite(`${name} must be finite`), v.minValue(0), v.maxValue(8.64e15));

export const PLAYBACK_STATES = ['playing', 'paused', 'stopped'] as const;
export type PlaybackState = (typeof PLAYBACK_STATES)[number];

/** `offset` media seconds at server time `at`; while playing the position is offset + (now − at). */
export const Playback = v.object({
  state: v.picklist(PLAYBACK_STATES, 'state must be playing, paused or stopped'),
  at: ServerMs('at'),
  offset: v.pipe(v.number('offset must be a number'), v.finite(), v.minValue(0), v.maxValue(1e7)),
});
export type Playback = v.InferOutput<typeof Playback>;

export const TIMER_MODES = ['countdown', 'countup'] as const;
export const TIMER_FORMATS = ['mm:ss', 'hh:mm:ss', 'auto'] as const;
const MAX_TIMER_MS = 100 * 3600_000;

/**
 * A countdown runs for `durationMs` from `startedAt`, or to the server time `targetTs`; a
 * countup counts from `startedAt`. `pausedAt` freezes it at that moment. Not started: neither.
 */
export const Timer = v.object({
  mode: v.picklist(TIMER_MODES, 'mode must be countdown or countup'),
  durationMs: v.optional(v.pipe(v.number('durationMs must be a number'), v.integer(), v.minValue(0), v.maxValue(MAX_TIMER_MS))),
  targetTs: v.optional(ServerMs('targetTs')),
  startedAt: v.optional(ServerMs('startedAt')),
  pausedAt: v.optional(ServerMs('pausedAt')),
  format: v.picklist(TIMER_FORMATS, 'format must be mm:ss, hh:mm:ss or auto'),
  endText: v.optional(v.pipe(v.string('endText must be a string'), v.maxLength(200))),
});
export type Timer = v.InferOutput<typeof Timer>;

export const timeFields = {
  playback: v.optional(Playback),
  /** kind video/audio: hide the item when a non-looping clip ends (committed by the room). */
  autoHide: v.optional(v.boolean('autoHide must be true or false')),
  /** The room commits `visible:false` at this server time; null clears it. */
  hideAt: v.optional(v.nullable(ServerMs('hideAt'))),
  timer: v.optional(Timer),
};

export const CUE_ACTIONS = ['play', 'pause', 'restart', 'stop'] as const;
export type CueAction = (typeof CUE_ACTIONS)[number];
export const TIMER_ACTIONS = ['start', 'pause', 'reset'] as const;
export type TimerAction = (typeof TIMER_ACTIONS)[number];
export const CueActionSchema = v.picklist(CUE_ACTIONS, `action must be one of ${CUE_ACTIONS.join(', ')}`);
export const TimerActionSchema = v.picklist(TIMER_ACTIONS, `action must be one of ${TIMER_ACTIONS.join(', ')}`);
