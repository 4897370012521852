/**
 * The room's side of time-driven items: `cue` and `timer` ops become plain patches stated in
 * the server clock, and an overlay's "the clip ended" report becomes the committed end state.
 * Nothing here ticks; overlays derive the running picture from `at`/`startedAt` themselves.
 */
import type { Item, ItemChanges } from '../src/protocol/scene.ts';
import type { CueAction, Playback, Timer, TimerAction } from '../src/protocol/playback.ts';
import type { EditOp, TimedOp } from '../src/protocol/messages.ts';
import type { Connection } from './connection.ts';
import { mediaPosition, timerRunning } from '../src/protocol/timeline.ts';

/** How far an "ended" report may come before the room's own reckoning of the end (clock estimates differ). */
export const ENDED_SLACK_S = 1;

export type TimedOpResolution = { ok: true; op: EditOp | null } | { ok: false; message: string };

/** Turn a cue/timer op into the patch it means now; `op: null` when it changes nothing. */
export function resolveTimedOp(op: TimedOp, item: Item | undefined, now: number): TimedOpResolution | null {
  if (!item) return null;
  const changes = op.type === 'cue' ? cueChanges(item, op.action, now) : timerChanges(item, op.action, now);
  if (typeof changes === 'string') return { ok: false, message: changes };
  return { ok: true, op: changes ? { type: 'patch', id: op.id, changes, base_version: op.base_version } : null };
}

export function cueChanges(item: Item, action: CueAction, now: number): ItemChanges | null | string {
  if (item.kind !== 'video' && item.kind !== 'audio') return `cue applies to video and audio items, not ${item.kind}`;
  const current: Playback = item.playback ?? { state: 'playing', at: 0, offset: 0 };
  const playing = (offset: number): ItemChanges => ({
    playback: { state: 'playing', at: now, offset },
    // An alert that hid itself at its end comes back when it is played again.
    ...(item.autoHide && !item.visible ? { visible: true } : {}),
  });
  switch (action) {
    case 'play':
      if (current.state === 'playing' && item.playback) return null;
      return playing(current.state === 'paused' ? current.offset : 0);
    case 'restart':
      return playing(0);
    case 'pause':
      if (current.state !== 'playing') return null;
      return { playback: { state: 'paused', at: now, offset: mediaPosition(current, now) } };
    case 'stop':
      if (current.state === 'stopped' && current.offset === 0) return null;
      return { playback: { state: 'stopped', at: now, offset: 0 } };
  }
}

export function timerChanges(item: Item, action: TimerAction, now: number): ItemChanges | null | string {
  if (item.kind !== 'timer' || !item.timer) return `timer applies to timer items with a timer, not ${item.kind}`;
  const { startedAt, pausedAt, ...rest } = item.timer;
  switch (action) {
    case 'start': {
      if (timerRunning(item.timer) && startedAt !== undefined) return null;
      if (pausedAt === undefined) return { timer: { ...rest, startedAt: startedAt ?? now } };
      // Resume: shift the start (and a target) by the pause, so the paused time does not count.
      const paused = now - pausedAt;
      const shifted: Timer = { ...rest, startedAt: (startedAt ?? pausedAt) + paused };
      if (rest.targetTs !== undefined) shifted.targetTs = rest.targetTs + paused;
      return { timer: shifted };
    }
    case 'pause':
      if (!timerRunning(item.timer)) return null;
      return { timer: { ...item.timer, pausedAt: now } };
    case 'reset':
      if (startedAt === undefined && pausedAt === undefined) return null;
      return { timer: rest };
  }
}

/**
 * Only an overlay page opened with the overlay's own credential may report a clip's end: the
 * overlay socket route makes any page an overlay, so a moderator's cookie opens one too (it then
 * carries the moderator's session) — and a moderator must not hide an autoHide alert early.
 */
export function mayReportEnded(conn: Pick<Connection, 'role' | 'sessionId'>): boolean {
  return conn.role === 'overlay' && conn.sessionId === undefined;
}

/**
 * What the room commits when an overlay reports the end of a non-looping clip, or null when
 * the report is stale (another run, looping, already ended) or not believable yet.
 */
export function endedChanges(item: Item, at: number, duration: number, now: number): ItemChanges | null {
  const playback = item.playback;
  if ((item.kind !== 'video' && item.kind !== 'audio') || item.loop || !playback) return null;
  if (playback.state !== 'playing' || playback.at !== at) return null;
  if (mediaPosition(playback, now) < duration - ENDED_SLACK_S) return null;
  return {
    playback: { state: 'stopped', at: now, offset: duration },
    ...(item.autoHide && item.visible ? { visible: false } : {}),
  };
}

/** A clip added without playback starts playing now, so its position is known to every overlay. */
export function withPlaybackStamp(item: Item, now: number): Item {
  if ((item.kind !== 'video' && item.kind !== 'audio') || item.playback) return item;
  return { ...item, playback: { state: 'playing', at: now, offset: 0 } };
}
