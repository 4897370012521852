/**
 * The room's speech queue as a panel shows it: what was queued (with its text) and what the
 * overlay reported about each entry since. Bounded, so a long stream does not grow the list.
 */
import type { ServerMessage } from '../../src/protocol/messages.ts';

type TtsStateMessage = Extract<ServerMessage, { type: 'tts.state' }>;
export type TtsEntry = Omit<TtsStateMessage, 'type'>;

const TTS_SHOWN = 30;

/** The queue after a `tts.state`: a known entry is updated in place, a new one appended. */
export function withTtsState(queue: readonly TtsEntry[], msg: TtsStateMessage): TtsEntry[] {
  const { type: _type, ...entry } = msg;
  // The overlay's report has no text; keep the text from the queued entry.
  return queue.some((e) => e.id === entry.id)
    ? queue.map((e) => (e.id === entry.id ? { ...e, ...entry } : e))
    : [...queue, entry].slice(-TTS_SHOWN);
}

/** The queue after `tts.clear`: what was waiting is gone; what ended stays as history. */
export const withoutWaiting = (queue: readonly TtsEntry[]): TtsEntry[] => queue.filter((e) => e.state === 'ended' || e.state === 'error');
