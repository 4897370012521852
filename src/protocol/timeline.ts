/**
 * Where playback and timers are at a given server time. Plain functions with no valibot, so
 * the room and every page share them: the overlay draws exactly what the room reasons about.
 */
import type { Playback, Timer } from './playback.ts';

/** Media seconds at server time `now` (not clamped to the clip: only the player knows its length). */
export function mediaPosition(playback: Playback, now: number): number {
  if (playback.state !== 'playing') return playback.offset;
  return playback.offset + Math.max(0, now - playback.at) / 1000;
}

export const timerRunning = (timer: Timer): boolean =>
  timer.pausedAt === undefined && (timer.startedAt !== undefined || (timer.mode === 'countdown' && timer.targetTs !== undefined));

/** Milliseconds a timer counted so far (countup) or has left (countdown), never negative. */
export function timerValueMs(timer: Timer, now: number): number {
  const at = timer.pausedAt ?? now;
  if (timer.mode === 'countdown' && timer.targetTs !== undefined) return Math.max(0, timer.targetTs - at);
  const elapsed = timer.startedAt !== undefined ? Math.max(0, at - timer.startedAt) : 0;
  return timer.mode === 'countup' ? elapsed : Math.max(0, (timer.durationMs ?? 0) - elapsed);
}
