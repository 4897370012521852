/**
 * Keeps a media element at the position its item's `playback` says, in server time: the
 * clip is at `offset + (now − at)` on every overlay, so two overlays agree and a reloaded one
 * resumes mid-clip. Large errors seek; small ones are trimmed with the playback rate, which
 * sounds better than a jump. A non-looping clip past its end stays ended (an alert never
 * replays by itself) and is reported once per run, so the room can commit the end.
 */
import type { Item } from '../../src/protocol/scene.ts';
import { mediaPosition } from '../../src/protocol/timeline.ts';
import type { Autoplay } from './autoplay.ts';
import { serverClock } from './server-clock.ts';

export type MediaEndedReport = (id: string, at: number, duration: number) => void;

const CHECK_MS = 250;
/** Past this error a seek is cheaper than catching up by rate. */
const SEEK_S = 0.25;
/** Below this error the clip is in sync; leave the rate alone. */
const IN_SYNC_S = 0.02;
const RATE_GAIN = 0.5;
const MAX_RATE_CHANGE = 0.1;
/** The element may finish a little before our reckoning of the end (clock estimate, decode). */
const END_SLACK_S = 1;

export interface PlaybackSync {
  update(item: Item): void;
  /** False while the clip should be paused, stopped or ended: autoplay must not restart it. */
  wantsPlay(): boolean;
  stop(): void;
}

export function syncPlayback(el: HTMLMediaElement, first: Item, onEnded?: MediaEndedReport): PlaybackSync & { attach(player: Autoplay): void } {
  let item = first;
  let player: Autoplay | null = null;
  let reportedRun: number | null = null;
  let endedRun: number | null = null;

  const duration = () => (Number.isFinite(el.duration) && el.duration > 0 ? el.duration : NaN);

  const hasEnded = (target: number) => {
    const d = duration();
    if (item.loop) return false;
    // A stream with no length in its header (MediaRecorder WebM): only the element can tell.
    if (Number.isNaN(d)) return el.ended;
    return target >= d || (el.ended && target >= d - END_SLACK_S);
  };

  const check = () => {
    const playback = item.playback;
    if (!playback) return;
    const target = mediaPosition(playback, serverClock.now());
    const d = duration();
    if (playback.state === 'playing' && !hasEnded(target)) {
      endedRun = null;
      if (el.readyState < HTMLMediaElement.HAVE_METADATA) return;
      const position = item.loop && !Number.isNaN(d) ? target % d : target;
      const error = el.currentTime - position;
      if (Math.abs(error) > SEEK_S) {
        el.currentTime = position;
        el.playbackRate = 1;
      } else {
        el.playbackRate = Math.abs(error) < IN_SYNC_S ? 1 : 1 - Math.max(-MAX_RATE_CHANGE, Math.min(MAX_RATE_CHANGE, error * RATE_GAIN));
      }
      if (el.paused) player?.resume();
      return;
    }
    if (!el.paused) el.pause();
    el.playbackRate = 1;
    if (el.readyState < HTMLMediaElement.HAVE_METADATA) return;
    if (playback.state === 'playing') {
      // Ended: rest on the last frame; tell the room once per run.
      endedRun = playback.at;
      const end = Number.isNaN(d) ? el.currentTime : d;
      if (el.currentTime < end - 0.05) el.currentTime = end;
      if (reportedRun !== playback.at) {
        reportedRun = playback.at;
        onEnded?.(item.id, playback.at, end);
      }
      return;
    }
    const rest = Number.isNaN(d) ? playback.offset : Math.min(playback.offset, d);
    // Paused may rest within a frame of its offset; stopped means the start, exactly.
    if (Math.abs(el.currentTime - rest) > (playback.state === 'stopped' ? 0.001 : 0.05)) el.currentTime = rest;
  };

  const timer = setInterval(check, CHECK_MS);
  const events = ['loadedmetadata', 'ended', 'canplay'] as const;
  for (const type of events) el.addEventListener(type, check);

  return {
    attach(p) {
      player = p;
      check();
    },
    update(next) {
      item = next;
      check();
    },
    wantsPlay() {
      const playback = item.playback;
      if (!playback) return true;
      // Until the length is known a non-looping clip may already be over: wait for metadata.
      if (!item.loop && el.readyState < HTMLMediaElement.HAVE_METADATA) return false;
      return playback.state === 'playing' && endedRun !== playback.at && !hasEnded(mediaPosition(playback, serverClock.now()));
    },
    stop() {
      clearInterval(timer);
      for (const type of events) el.removeEventListener(type, check);
    },
  };
}
