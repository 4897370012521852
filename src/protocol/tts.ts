/**
 * Text-to-speech on the wire, declared once: the HTTP body of `POST /api/tts/speak`, what the
 * server tells overlays (speak, skip, clear), what an overlay reports back (started, ended,
 * error) and what moderators see of the queue (`tts.state`).
 */
import * as v from 'valibot';
import { RoomId } from './scene.ts';

import { TTS_MAX_TEXT_LENGTH } from './constants.ts';

export { TTS_MAX_TEXT_LENGTH };
const MAX_VOICE_NAME_LENGTH = 100;
const MAX_REPORT_MESSAGE_LENGTH = 300;

/** Ids travel back from overlays and into panels: short and plain. */
export const TtsId = v.pipe(v.string(), v.minLength(1), v.maxLength(64), v.regex(/^[A-Za-z0-9_-]+$/, 'id may hold only letters, digits, _ and -'));

/** A BCP 47 tag as speechSynthesis takes it (`ru-RU`, `en-US`, `es-419`). */
export const TtsLang = v.pipe(
  v.string('lang must be a string'),
  v.trim(),
  v.maxLength(35, 'lang is too long'),
  v.regex(/^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$/, 'lang must be a language tag such as ru-RU'),
);

const TtsText = v.pipe(
  v.string('text is required'),
  v.trim(),
  v.minLength(1, 'text is required'),
  v.maxLength(TTS_MAX_TEXT_LENGTH, `text is longer than ${TTS_MAX_TEXT_LENGTH} characters`),
);
const VoiceName = v.pipe(v.string('voiceName must be a string'), v.trim(), v.maxLength(MAX_VOICE_NAME_LENGTH));

/** Forms send numbers as strings; JSON sends numbers. Both land here as a bounded number. */
const boundedNumber = (name: string, min: number, max: number) =>
  v.pipe(
    v.union([v.number(), v.pipe(v.string(), v.trim(), v.transform(Number))], `${name} must be a number`),
    v.number(`${name} must be a number`),
    v.finite(`${name} must be a number`),
    v.minValue(min, `${name} must be at least ${min}`),
    v.maxValue(max, `${name} must be at most ${max}`),
  );

/** The FastAPI version's body, with bounds. Empty form fields count as absent, so defaults apply. */
export const TtsSpeakBody = v.pipe(
  v.unknown(),
  v.transform(withoutEmptyStrings),
  v.object({
    text: TtsText,
    lang: v.optional(TtsLang, 'ru-RU'),
    rate: v.optional(boundedNumber('rate', 0.1, 10), 1),
    pitch: v.optional(boundedNumber('pitch', 0, 2), 1),
    volume: v.optional(boundedNumber('volume', 0, 1), 1),
    voiceName: v.optional(VoiceName),
    room: v.optional(RoomId),
  }),
);
export type TtsSpeakBody = v.InferOutput<typeof TtsSpeakBody>;

/** `POST /api/tts/skip` may name the utterance to skip, so a late click skips nothing newer. */
export const TtsControlBody = v.pipe(
  v.unknown(),
  v.transform(withoutEmptyStrings),
  v.object({ room: v.optional(RoomId), id: v.optional(TtsId) }),
);

// ---- server → overlay ------------------------------------------------------------------

export const TtsSpeak = v.object({
  type: v.literal('tts.speak'),
  id: TtsId,
  text: TtsText,
  lang: TtsLang,
  rate: v.number(),
  pitch: v.number(),
  volume: v.number(),
  voiceName: v.optional(VoiceName),
  /** Server-made audio (TTS_ENGINE=espeak): play this instead of, or when lacking, a voice. */
  audio_url: v.optional(v.pipe(v.string(), v.regex(/^\/uploads\/[A-Za-z0-9._-]+$/))),
});
export const TtsSkip = v.object({ type: v.literal('tts.skip'), id: v.optional(TtsId) });
export const TtsClear = v.object({ type: v.literal('tts.clear') });

export const TtsServerMessage = v.variant('type', [TtsSpeak, TtsSkip, TtsClear]);
export type TtsServerMessage = v.InferOutput<typeof TtsServerMessage>;
export type TtsSpeak = v.InferOutput<typeof TtsSpeak>;

// ---- overlay → server ------------------------------------------------------------------

const reportMessage = v.optional(v.pipe(v.string(), v.maxLength(MAX_REPORT_MESSAGE_LENGTH)));
export const TtsReport = v.variant('type', [
  v.object({ type: v.literal('tts.started'), id: TtsId, message: reportMessage }),
  v.object({ type: v.literal('tts.ended'), id: TtsId, message: reportMessage }),
  v.object({ type: v.literal('tts.error'), id: TtsId, message: reportMessage }),
]);
export type TtsReport = v.InferOutput<typeof TtsReport>;

// ---- server → moderators ---------------------------------------------------------------

/**
 * The queue as panels see it: `queued` when the server sent `tts.speak` (with the text, so
 * every panel can list it), then the overlay's own reports.
 */
export type TtsState = {
  type: 'tts.state';
  id: string;
  state: 'queued' | 'started' | 'ended' | 'error';
  message?: string;
  text?: string;
};

export function ttsStateOf(report: TtsReport): TtsState {
  const state = report.type === 'tts.started' ? 'started' : report.type === 'tts.ended' ? 'ended' : 'error';
  return { type: 'tts.state', id: report.id, state, ...(report.message ? { message: report.message } : {}) };
}

function withoutEmptyStrings(input: unknown): unknown {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return input;
  return Object.fromEntries(Object.entries(input).filter(([, value]) => value !== ''));
}
