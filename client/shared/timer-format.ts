/**
 * What a timer item shows. Countdowns round up (10.0 s left and 9.2 s left both read 00:10,
 * and 00:00 means done); count-ups round down, as a stopwatch does.
 */
import type { Timer } from '../../src/protocol/playback.ts';
import { timerValueMs } from '../../src/protocol/timeline.ts';

const pad = (n: number) => String(n).padStart(2, '0');

export function formatDuration(totalSeconds: number, format: Timer['format']): string {
  const s = Math.max(0, totalSeconds);
  const hours = Math.floor(s / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  const seconds = s % 60;
  if (format === 'hh:mm:ss' || (format === 'auto' && hours > 0)) return `${pad(hours)}:${pad(minutes)}:${pad(seconds)}`;
  return `${pad(hours * 60 + minutes)}:${pad(seconds)}`;
}

function shownSeconds(timer: Timer, now: number): number {
  const ms = timerValueMs(timer, now);
  return timer.mode === 'countdown' ? Math.ceil(ms / 1000) : Math.floor(ms / 1000);
}

export function timerText(timer: Timer, now: number): string {
  const seconds = shownSeconds(timer, now);
  if (timer.mode === 'countdown' && seconds === 0 && timer.endText) return timer.endText;
  return formatDuration(seconds, timer.format);
}

/** Milliseconds until the shown text can next change (a paused timer never changes). */
export function msUntilNextChange(timer: Timer, now: number): number {
  const running = timer.pausedAt === undefined && (timer.startedAt !== undefined || (timer.mode === 'countdown' && timer.targetTs !== undefined));
  if (!running) return Infinity;
  const ms = timerValueMs(timer, now);
  if (timer.mode === 'countdown') return ms <= 0 ? Infinity : ms % 1000 || 1000;
  return 1000 - (ms % 1000);
}
